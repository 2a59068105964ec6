"""``python -m kiosk.server users ...``: back-office accounts from the command line (the
first admin account is made here; audit rows name "system" as who did it)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from kiosk.server.backoffice import audit, users
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.permissions import ROLES
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.context import ServerCore

PASSWORD_FILE = "read the password from the first line of this file (scripts, tests)"


def add_parser(sub: Any) -> None:
    """The `users` subcommand (`sub`: the parser's add_subparsers() object)."""
    p = sub.add_parser("users", help="back-office accounts: create, list, disable, enable")
    usub = p.add_subparsers(dest="action", required=True)
    create = usub.add_parser("create", help="a new account (asks the password twice)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", default="", help="default: the username")
    create.add_argument("--password-file", type=Path, default=None, help=PASSWORD_FILE)
    reset = usub.add_parser("set-password", help="a new password (ends every session)")
    reset.add_argument("username")
    reset.add_argument("--password-file", type=Path, default=None, help=PASSWORD_FILE)
    usub.add_parser("list", help="every account, its role and whether it is active")
    for action, text in (("disable", "block an account and end its sessions"),
                         ("enable", "let a blocked account sign in again")):  # fmt: skip
        a = usub.add_parser(action, help=text)
        a.add_argument("username")


def _password(args: argparse.Namespace) -> str | None:
    if args.password_file is not None:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"users {args.action}: cannot read {args.password_file}: {exc}", file=sys.stderr)
            return None
        return lines[0] if lines else ""
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print(f"users {args.action}: the two passwords differ; nothing changed", file=sys.stderr)
        return None
    return first


def run(server: ServerCore, args: argparse.Namespace) -> int:
    cfg = OfficeSettings.from_settings(server.settings)
    who = audit.system(server.now())
    try:
        if args.action == "create":
            password = _password(args)
            if password is None:
                return 2
            user = users.create_user(
                server,
                cfg,
                who,
                username=args.username,
                display_name=args.display_name,
                role=args.role,
                password=password,
            )
            print(f"created {user.username} ({user.role}), id {user.id}")
        elif args.action == "list":
            with server.engine.connect() as conn:
                for u in users.list_all(conn):
                    state = "active" if u.active else "disabled"
                    print(f"{u.id}\t{u.username}\t{u.role}\t{state}\t{u.display_name!r}")
        else:
            with server.engine.connect() as conn:
                found = users.by_username(conn, args.username)
            if found is None:
                print(f"users {args.action}: no account {args.username!r}", file=sys.stderr)
                return 1
            if args.action == "set-password":
                password = _password(args)
                if password is None:
                    return 2
                users.change_password(server, cfg, who, found.id, password)
                print(f"new password for {found.username}; its sessions have ended")
            else:
                users.set_active(server, who, found.id, args.action == "enable")
                print(f"{args.action}d {found.username}")
    except OfficeError as exc:
        print(f"users {args.action}: {exc.en}", file=sys.stderr)
        return 1
    return 0
