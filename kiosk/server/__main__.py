"""`python -m kiosk.server`: run the server, or manage devices and keys.

python -m kiosk.server [--host H] [--port P] [--database-url URL] [--data-dir DIR]
python -m kiosk.server devices enrol-code --role ROLE --name NAME [--merchant ID]
                                          [--neighbourhood ID ...]
python -m kiosk.server devices revoke ID
python -m kiosk.server devices list
python -m kiosk.server pubkey
python -m kiosk.server users create --role admin --username NAME [--password-file F]
python -m kiosk.server users list | disable NAME | enable NAME | set-password NAME
python -m kiosk.server settlement prepare --from D --to D --user U | approve ID --user U
python -m kiosk.server settlement list | sepa ID --out FILE | statements ID --out DIR
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import unicodedata
from pathlib import Path

from kiosk.core.roles import Bindings
from kiosk.server import settlement_cli
from kiosk.server.backoffice import cli as users_cli
from kiosk.server.config import Settings, default_data_dir
from kiosk.server.service import Server
from kiosk.sync.protocol import DEVICE_ROLES


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m kiosk.server", description="Heitje server")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--database-url", default=None, help="default: SQLite in the data dir")
    ap.add_argument("--data-dir", type=Path, default=None, help=f"default: {default_data_dir()}")
    ap.add_argument("--config", type=Path, default=None, help="TOML over config_defaults.toml")
    ap.add_argument("--workers", type=int, default=1, help="worker processes (stateless)")
    ap.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    sub = ap.add_subparsers(dest="command")
    devices = sub.add_parser("devices", help="enrolment codes, revocation, listing")
    dsub = devices.add_subparsers(dest="action", required=True)
    code = dsub.add_parser("enrol-code", help="print a one-time enrolment code and its QR")
    code.add_argument("--role", required=True, choices=DEVICE_ROLES)
    code.add_argument("--name", required=True)
    code.add_argument("--merchant", default=None, help="merchant-counter: the shop it serves")
    code.add_argument(
        "--neighbourhood",
        action="append",
        default=[],
        help="resident-kiosk, klusbox-desk: its centre's neighbourhood; inspector: each "
        "neighbourhood it serves (repeat the option)",
    )
    revoke = dsub.add_parser("revoke", help="stop a device: its later batches are refused")
    revoke.add_argument("device_id")
    revoke.add_argument("--reason", default="")
    dsub.add_parser("list", help="list enrolled devices")
    sub.add_parser("pubkey", help="print the municipality public key (hex) for kiosk config")
    users_cli.add_parser(sub)
    settlement_cli.add_parser(sub)
    reg = sub.add_parser("registry", help="residents, cards, merchants, chores, approvals")
    rsub = reg.add_subparsers(dest="action", required=True)
    nb = rsub.add_parser("add-neighbourhood")
    nb.add_argument("id")
    nb.add_argument("name")
    res = rsub.add_parser("add-resident", help="a resident, with a card serial if given")
    res.add_argument("id")
    res.add_argument("name")
    res.add_argument("--neighbourhood", required=True)
    res.add_argument("--card", default=None)
    mer = rsub.add_parser("add-merchant")
    mer.add_argument("id")
    mer.add_argument("name")
    mer.add_argument("--neighbourhood", required=True)
    mer.add_argument("--iban", default=None)
    cho = rsub.add_parser("add-chore")
    cho.add_argument("id")
    cho.add_argument("title")
    cho.add_argument("--neighbourhood", required=True)
    cho.add_argument("--reward", type=int, required=True, help="cents of a heitje")
    cho.add_argument("--capacity", type=int, default=10)
    appr = rsub.add_parser("approve", help="record an inspector's approval of a chore claim")
    appr.add_argument("claim")
    appr.add_argument("--inspector", required=True)
    appr.add_argument("--chore", default=None)
    appr.add_argument("--resident", default=None)
    gra = rsub.add_parser("grant", help="credit a wallet from issuance (cents), with a reason")
    gra.add_argument("resident")
    gra.add_argument("amount", type=int)
    gra.add_argument("--reason", required=True)
    rsub.add_parser("review", help="list open review items (offline spends over the limits)")
    return ap


def safe(value: object) -> str:
    """Text a device or a person chose, made safe for a terminal: control characters
    (escape sequences, carriage returns, bidi overrides) are shown as \\x.. / \\u.... escapes."""
    text = "" if value is None else str(value)
    return "".join(
        ch
        if ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Co", "Cs")
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _qr_text(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings(
        data_dir=args.data_dir or default_data_dir(),
        database_url=args.database_url,
        config_file=args.config,
    )
    if args.command is None:
        import uvicorn

        from kiosk.server.app import create_app

        if args.workers <= 1:
            uvicorn.run(
                create_app(settings), host=args.host, port=args.port, log_level=args.log_level
            )
            return 0
        from kiosk.server import app as app_module

        Server(settings).close()  # migrate and make the key once, before the workers start
        os.environ[app_module.ENV_DATA_DIR] = str(settings.data_dir)
        os.environ[app_module.ENV_DATABASE_URL] = settings.database_url or ""
        os.environ[app_module.ENV_CONFIG] = str(args.config or "")
        uvicorn.run(
            "kiosk.server.app:app_from_env",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
        )
        return 0

    server = Server(settings)
    try:
        if args.command == "pubkey":
            print(server.public_key_hex)
        elif args.command == "users":
            return users_cli.run(server, args)
        elif args.command == "settlement":
            return settlement_cli.run(server, args, safe)
        elif args.action == "enrol-code":
            bindings = Bindings(args.merchant, frozenset(args.neighbourhood))
            try:
                code = server.create_enrol_code(args.role, args.name, bindings)
            except ValueError as exc:
                print(f"enrol-code: {exc}", file=sys.stderr)
                return 2
            print(code)
            print(_qr_text(code))
            bound = args.merchant or ", ".join(sorted(args.neighbourhood))
            print(
                f"role {args.role}, name {safe(args.name)!r}, bound to {safe(bound)}; "
                "works once, expires in a day"
            )
        elif args.action == "revoke":
            if not server.set_device_status(args.device_id, "revoked", args.reason):
                print(f"unknown device {args.device_id}", file=sys.stderr)
                return 1
            print(f"revoked {args.device_id}")
        elif args.command == "devices" and args.action == "list":
            for d in server.list_devices():
                print(
                    f"{d['id']}\t{d['role']}\t{d['status']}\thead={d['head_seq']}\t"
                    f"refused={d['refused']}\t{safe(d['bindings'])}\t{safe(d['name'])}"
                )
        else:
            return _registry(server, args)
    finally:
        server.close()
    return 0


def _registry(server: Server, args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from kiosk.core.errors import HeitjeError
    from kiosk.server import admin

    try:
        if args.action == "add-neighbourhood":
            admin.add_neighbourhood(server, args.id, args.name)
        elif args.action == "add-resident":
            admin.add_resident(
                server, args.id, args.name, args.neighbourhood, card_serial=args.card
            )
        elif args.action == "add-merchant":
            admin.add_merchant(server, args.id, args.name, args.neighbourhood, iban=args.iban)
        elif args.action == "add-chore":
            admin.add_chore(
                server,
                args.id,
                args.title,
                args.neighbourhood,
                reward=args.reward,
                capacity=args.capacity,
            )
        elif args.action == "approve":
            entry = admin.record_approval(
                server, args.claim, args.inspector, chore_id=args.chore, resident_id=args.resident
            )
            print(f"approval {entry.tx_id} (server chain seq {entry.seq})")
        elif args.action == "grant":
            entry = admin.grant(server, args.resident, args.amount, args.reason)
            print(f"grant {entry.tx_id} (server chain seq {entry.seq})")
        elif args.action == "review":
            for item in admin.review_items(server):
                print(
                    f"{item['id']}\t{item['device_id']}#{item['seq']}\t{item['effect']}\t"
                    f"{item['kind']}\t{safe(item['reason'])}\t{safe(item['detail'])}\t"
                    f"{item['amount']}\tmerchant={safe(item['merchant_id'])}\t"
                    f"resident={safe(item['resident_id'])}"
                )
            return 0
    except IntegrityError:
        print("already exists (or refers to something that does not)", file=sys.stderr)
        return 1
    except HeitjeError as exc:
        print(f"{exc.code}: {exc.en}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"refused: {safe(exc)}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
