"""`python -m kiosk enrol` and `python -m kiosk sync --once`: the operator's sync commands.

`sync --status` also lists this device's entries the server refused, in words.

The main CLI (kiosk/cli.py) calls `add_parsers(subparsers)` and gives every handler an
`args.data_dir` (pathlib.Path).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import socket
import sys
from pathlib import Path
from typing import Any

from kiosk.core.errors import HeitjeError
from kiosk.db import sync_queries as q
from kiosk.paths import default_data_dir


def add_parsers(subparsers: Any) -> None:
    enrol = subparsers.add_parser(
        "enrol",
        help="enrol this device with the municipality server (one-time code from an admin)",
        description="Send this device's public key with a one-time code; keep the signed "
        "device certificate and pin the server's key.",
    )
    enrol.add_argument(
        "--server",
        default=None,
        help="server URL, e.g. https://heitje.example (default: server_url in heitje.toml)",
    )
    enrol.add_argument("--code", required=True, help="the one-time enrolment code")
    enrol.add_argument("--name", default=None, help="a name for this device (default: hostname)")
    enrol.add_argument(
        "--server-key",
        default=None,
        help="the server's public key (hex); default: municipality_key in heitje.toml; "
        "without either the key the server shows on first contact is pinned",
    )
    _data_dir_default(enrol)
    enrol.set_defaults(handler=cmd_enrol, func=cmd_enrol)

    sync = subparsers.add_parser(
        "sync",
        help="send waiting entries to the server and fetch the newest snapshot",
        description="Upload unsynced entries in signed batches, then download and apply the "
        "newest snapshot.",
    )
    sync.add_argument("--once", action="store_true", help="one round, then exit (for operators)")
    sync.add_argument("--status", action="store_true", help="only show the sync status")
    _data_dir_default(sync)
    sync.set_defaults(handler=cmd_sync, func=cmd_sync)


def _data_dir_default(parser: argparse.ArgumentParser) -> None:
    """Accept --data-dir after the command too; SUPPRESS keeps the main CLI's value."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="folder with this device's ledger and key (default: the user data folder)",
    )


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir())


def _fail(exc: HeitjeError) -> int:
    print(f"{exc.code}: {exc.en}", file=sys.stderr)
    print(f"  {exc.nl}", file=sys.stderr)
    return 1


def cmd_enrol(args: argparse.Namespace) -> int:
    from kiosk.config import CONFIG_FILE, load_config
    from kiosk.device import open_device
    from kiosk.sync.client import SyncClient

    data_dir = _data_dir(args)
    # the device's configuration names its server and pins its key (docs/configuration.md);
    # the command line wins. A bad key there is ignored, as everywhere (and printed).
    config, problems = load_config(data_dir / CONFIG_FILE)
    for problem in problems:
        if problem.key in ("server_url", "municipality_key", "(file)"):
            print(problem.as_error().en, file=sys.stderr)
    server = args.server or config.server_url
    if not server:
        print(
            f"enrol: no server: give --server URL or set server_url in {data_dir / CONFIG_FILE}",
            file=sys.stderr,
        )
        return 2
    device = open_device(data_dir)
    try:
        with SyncClient(device.engine, device.key) as client:
            cert = client.enrol(
                server,
                args.code,
                name=args.name or socket.gethostname(),
                server_key_hex=args.server_key or config.municipality_key,
            )
    except HeitjeError as exc:
        return _fail(exc)
    finally:
        device.close()
    print(f"enrolled: device {cert.device_id} as {cert.role} ({cert.name})")
    print(f"certificate valid until {cert.valid_until} (ms since epoch)")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.device import open_device
    from kiosk.sync.client import SyncClient
    from kiosk.sync.loop import SyncLoop, read_status

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    device = open_device(_data_dir(args))
    try:
        with SyncClient(device.engine, device.key) as client:
            if not args.status:
                if not args.once:
                    return _run_forever(SyncLoop(client))
                try:
                    up, snap = client.sync_once()
                except HeitjeError as exc:
                    client.record_failure(exc)
                    return _fail(exc)
                print(
                    f"sent {up.entries_marked} entries in {up.batches} batch(es); "
                    f"server has up to seq {up.acked_seq}"
                )
                if up.review_seqs:
                    print(f"the server put seq {list(up.review_seqs)} in its review queue")
                if up.refused:
                    print(f"the server refused {len(up.refused)} entries (see sync --status)")
                print(
                    f"snapshot version {snap.version}"
                    + (" applied" if snap.applied else " (already current)")
                )
            status = read_status(client, client.clock)
            with device.engine.connect() as conn:
                stored = q.stored_status(conn)
                refused = q.refused_entries(conn)
    finally:
        device.close()
    age = "none" if status.snapshot_age_ms is None else f"{status.snapshot_age_ms // 1000} s"
    print(f"entries waiting: {status.entries_waiting}; snapshot age: {age}")
    if args.status:
        last = "never" if stored.last_success_at is None else _when(stored.last_success_at)
        print(f"last successful sync: {last}; last error: {stored.last_error or 'none'}")
        _print_refused(refused)
    return 0


def _print_refused(refused: list[q.RefusedRow]) -> None:
    from kiosk.sync.refusals import refusal_words

    if not refused:
        print("refused by the server: none")
        return
    print(f"refused by the server ({len(refused)}; no balance changed, in the review queue):")
    for row in refused:
        words = refusal_words(row.kind, row.amount, row.code)
        print(f"  seq {row.seq}, {_when(row.at)}: {words.en}")
        print(f"    {words.nl}")


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def _run_forever(loop: Any) -> int:
    import threading

    done = threading.Event()
    loop.start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
    return 0
