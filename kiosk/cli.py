"""`python -m kiosk`: the one entry point of a device (run `python -m kiosk --help`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from kiosk.paths import default_data_dir

# Subcommands that live with their own area: module, function(subparsers) that registers them.
# A module that is not there (a build without it) just leaves its commands out.
_PLUGINS = (
    ("kiosk.cli_cards", "add_parser"),
    ("kiosk.sync.cli_sync", "add_parsers"),
)

Handler = Callable[[argparse.Namespace], int]


def _data_dir_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="folder with this device's ledger and key (default: the user data folder)",
    )


def cmd_app(args: argparse.Namespace) -> int:
    from kiosk.device import open_device

    device = open_device(args.data_dir)
    try:
        if args.demo and device.store.head()[0] == 0:
            from kiosk.demo import seed_demo

            seed_demo(device.store, args.data_dir)
            print(f"demo data created in {args.data_dir}")
        from kiosk.ui.app import run_app

        return run_app(device, args.lang, args.quit_after)
    finally:
        device.close()


def cmd_ledger_verify(args: argparse.Namespace) -> int:
    from kiosk.db.engine import DB_FILENAME, open_engine, sqlite_url
    from kiosk.db.verify import verify_ledger

    db = args.data_dir / DB_FILENAME
    if not db.exists():
        print(f"no ledger at {db}", file=sys.stderr)
        return 2
    engine = open_engine(sqlite_url(db))
    try:
        report = verify_ledger(engine)
    finally:
        engine.dispose()
    print(report.summary())
    for fault in report.faults:
        print(f"  BROKEN: {fault}")
    return 0 if report.ok else 1


def cmd_device_show(args: argparse.Namespace) -> int:
    from kiosk.core.crypto import device_id_for, load_or_create_key
    from kiosk.paths import device_key_path

    key = load_or_create_key(device_key_path(args.data_dir))
    print(f"device id:  {device_id_for(key.verify_key)}")
    print(f"public key: {bytes(key.verify_key).hex()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk",
        description="Heitje kiosk, counter and desk application. Without a command: open the app.",
    )
    _data_dir_option(parser, None)
    parser.add_argument("--demo", action="store_true", help="fill an empty ledger with demo data")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="language (nl)")
    parser.add_argument("--quit-after", type=float, metavar="S", help=argparse.SUPPRESS)
    parser.set_defaults(func=cmd_app)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    ledger = sub.add_parser("ledger", help="check the local ledger")
    ledger_sub = ledger.add_subparsers(title="ledger commands", metavar="ACTION", required=True)
    verify = ledger_sub.add_parser(
        "verify", help="recompute balances, check every hash link, signature and the zero sum"
    )
    _data_dir_option(verify, argparse.SUPPRESS)
    verify.set_defaults(func=cmd_ledger_verify)

    device = sub.add_parser("device", help="this device's identity")
    device_sub = device.add_subparsers(title="device commands", metavar="ACTION", required=True)
    show = device_sub.add_parser("show", help="print the device id and public key")
    _data_dir_option(show, argparse.SUPPRESS)
    show.set_defaults(func=cmd_device_show)

    for module_name, function in _PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        getattr(module, function)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    args.data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    handler: Handler = args.func
    return int(handler(args) or 0)
