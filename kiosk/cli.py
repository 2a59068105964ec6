"""`python -m kiosk`: the one entry point of a device (run `python -m kiosk --help`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from kiosk.paths import default_data_dir

# Subcommands that live with their own area: module, function(subparsers) that registers them.
# A module that is not there (a build without it) just leaves its commands out.
_PLUGINS = (
    ("kiosk.cli_cards", "add_parser"),
    ("kiosk.cli_backup", "add_parser"),
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


DEMO_MERCHANT = "mer-bakker"  # kiosk/demo.py's bakery: the shop of the old one-device demo
DEMO_NEIGHBOURHOOD = "grasbroek"


def _demo_system() -> ModuleType | None:
    """kiosk.demo_system (the whole system: a server and enrolled devices), if this build has it."""
    try:
        return importlib.import_module("kiosk.demo_system")
    except ModuleNotFoundError as exc:
        if exc.name != "kiosk.demo_system":
            raise
        return None


def cmd_app(args: argparse.Namespace) -> int:
    if args.self_test:
        from kiosk.self_test import run_self_test

        return run_self_test()
    from kiosk.config import CONFIG_FILE, load_config
    from kiosk.core.errors import HeitjeError
    from kiosk.logs import setup_logging
    from kiosk.ops.device import DeviceOptions

    role, merchant, neighbourhood = args.role, args.merchant, args.neighbourhood
    if args.demo:
        demo_system = _demo_system()
        if demo_system is not None:
            return int(demo_system.run_demo(args.data_dir, lang=args.lang or "nl"))
        # Without it: one unenrolled device on a seeded ledger of its own.
        _seed_demo_once(args.data_dir)
        role = role or "resident-kiosk"
        if role == "merchant-counter":
            merchant = merchant or DEMO_MERCHANT
        elif role in ("resident-kiosk", "klusbox-desk"):
            neighbourhood = neighbourhood or DEMO_NEIGHBOURHOOD
    # The device's file first, the command line over it; a bad key is shown, never fatal.
    config, problems = load_config(args.config or args.data_dir / CONFIG_FILE)
    setup_logging(args.data_dir, config.log_level)
    for problem in problems:
        logging.getLogger("kiosk.ui").warning("configuration: %s", problem.message("en"))
    args.lang = args.lang or config.language
    camera = args.camera or (None if config.camera == "none" else config.camera)
    options = DeviceOptions(
        demo_role=role,
        demo_merchant=merchant,
        demo_neighbourhood=neighbourhood,
        camera=camera,
        camera_size=config.camera_resolution,
        decoder=config.decoder,
        printer=args.printer or config.printer,
        backup_dir=Path(config.backup_dir) if config.backup_dir else None,
        backup_every_s=config.backup_every_h * 3600.0,
    )
    from kiosk.ui.app import run_app
    from kiosk.ui.shell import ScreenSettings

    try:
        return run_app(
            args.data_dir,
            options,
            args.lang,
            settings=ScreenSettings(
                idle_ms=config.idle_timeout_s * 1000,
                speak_balance_after_scan=config.speak_balance_after_scan,
            ),
            notices=[p.as_error() for p in problems],
            quit_after_s=args.quit_after,
            print_ready=args.print_ready,
            fullscreen=args.fullscreen,
            kiosk=args.kiosk or config.kiosk_mode,
            hide_cursor=config.hide_cursor,
        )
    except HeitjeError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 2


def _seed_demo_once(data_dir: Path) -> None:
    from kiosk.device import open_device

    device = open_device(data_dir)
    try:
        if device.store.head()[0] == 0:
            from kiosk.demo import seed_demo

            seed_demo(device.store, data_dir)
            print(f"demo data created in {data_dir}", flush=True)
    finally:
        device.close()


def cmd_screenshots(args: argparse.Namespace) -> int:
    from kiosk.ui.screenshots import render_screenshots

    run = render_screenshots(args.directory)
    for path in run.paths:
        print(path)
    for missed in run.missed:
        print(f"not rendered: {missed}", file=sys.stderr)
    return 1 if run.missed else 0


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
    parser.add_argument(
        "--demo",
        action="store_true",
        help="the demo: a local server with demo data and enrolled devices to start",
    )
    parser.add_argument(
        "--lang", choices=("nl", "en"), help="language (default: the configuration's, else nl)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the device's configuration (default: heitje.toml in the data folder)",
    )
    parser.add_argument(
        "--role",
        choices=("resident-kiosk", "merchant-counter", "klusbox-desk", "inspector"),
        help="demo only: the role of a device that was never enrolled (an enrolled device "
        "takes its role from its certificate)",
    )
    parser.add_argument(
        "--merchant", metavar="ID", help="demo only: the shop of an unenrolled counter"
    )
    parser.add_argument(
        "--neighbourhood", metavar="ID", help="demo only: the area of an unenrolled kiosk or desk"
    )
    parser.add_argument(
        "--camera",
        metavar="SOURCE",
        help="where card images come from: camera, camera:N, video:FILE, folder:DIR",
    )
    parser.add_argument(
        "--printer",
        metavar="TARGET",
        help="receipt printer: file:/dev/usb/lp0, net:HOST[:PORT] or pdf:FOLDER",
    )
    parser.add_argument(
        "--fullscreen", action="store_true", help="fill the screen (a kiosk's or counter's own)"
    )
    parser.add_argument(
        "--kiosk",
        action="store_true",
        help="lock down: full screen without decorations, quit keys ignored, left only with a "
        "staff card and its PIN (also: kiosk_mode in the configuration)",
    )
    parser.add_argument(
        "--print-ready",
        action="store_true",
        help="print 'ready' on stdout once the home screen is painted (for benchmarks)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this build (Qt, resources, translations, decoders, a fresh ledger) and exit",
    )
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

    shots = sub.add_parser(
        "screenshots",
        help="render every screen of both roles, in both languages, on demo data, to PNG files",
    )
    shots.add_argument("directory", type=Path, metavar="DIR", help="folder for the PNG files")
    shots.set_defaults(func=cmd_screenshots)

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
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request, every sync round
    args = build_parser().parse_args(argv)
    args.data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    handler: Handler = args.func
    return int(handler(args) or 0)
