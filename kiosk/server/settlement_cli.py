"""``python -m kiosk.server settlement ...``: settlements from the command line, the same
functions as the back office's pages (kiosk/server/settlement.py, docs/settlement.md).

    settlement prepare --from 2026-11-01 --to 2026-11-30 --user fenna
    settlement approve 7 --user frank
    settlement cancel 7 --user fenna [--reason TEXT]
    settlement list [--limit N]
    settlement sepa 7 --out heitje-sepa-7.xml
    settlement statements 7 --out DIR

``--user`` names a back-office account with the finance role; the settlement records the
account's id, as the pages do, so four eyes hold across the pages and the command line (who
prepared a settlement on a page cannot approve it here, and the other way round). Refusals
are printed in words, in English and Dutch, with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.amounts import format_amount
from kiosk.core.errors import HeitjeError
from kiosk.server import settlement as S
from kiosk.server.backoffice import users, work
from kiosk.server.backoffice.permissions import FINANCE
from kiosk.server.service import Server
from kiosk.server.statements_pdf import render_statement


class SettlementCliError(HeitjeError):
    """A command that cannot be carried out as given (an unknown or unsuitable account, a
    file that cannot be written)."""


def add_parser(sub: Any) -> None:
    """The `settlement` subcommand (`sub`: the parser's add_subparsers() object)."""
    p = sub.add_parser("settlement", help="pay the shops: prepare, approve, SEPA file, statements")
    ssub = p.add_subparsers(dest="action", required=True)
    prep = ssub.add_parser("prepare", help="prepare the settlement of a period (local dates)")
    prep.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    prep.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (included)")
    prep.add_argument("--user", required=True, help="the finance account that prepares it")
    appr = ssub.add_parser("approve", help="approve (and book) a prepared settlement")
    appr.add_argument("id", type=int)
    appr.add_argument("--user", required=True, help="another finance account than the preparer")
    canc = ssub.add_parser("cancel", help="cancel a prepared settlement (frees its rows)")
    canc.add_argument("id", type=int)
    canc.add_argument("--user", required=True, help="a finance account")
    canc.add_argument("--reason", default="")
    lst = ssub.add_parser("list", help="the settlements, newest first")
    lst.add_argument("--limit", type=int, default=50)
    sepa = ssub.add_parser("sepa", help="write the SEPA file (pain.001) of an approved one")
    sepa.add_argument("id", type=int)
    sepa.add_argument("--out", type=Path, required=True, help="the file to write")
    stm = ssub.add_parser("statements", help="write each shop's statement as a PDF")
    stm.add_argument("id", type=int)
    stm.add_argument("--out", type=Path, required=True, help="the folder to write them in")


def run(server: Server, args: argparse.Namespace, safe: Callable[[object], str]) -> int:
    """Carry out `args` (parsed with add_parser's arguments); `safe` makes text that people
    typed (names) safe for a terminal (kiosk.server.__main__.safe)."""
    cli = _Commands(server, safe)
    try:
        if args.action == "prepare":
            cli.prepare(args.first, args.last, args.user)
        elif args.action == "approve":
            done = S.approve(server, args.id, by=cli.finance(args.user))
            print(
                f"approved settlement {done.id}: {_euro(done.euro_cents)} to "
                f"{len(done.statements)} shop(s), booked; SEPA message {done.sepa_msg_id}"
            )
        elif args.action == "cancel":
            S.cancel(server, args.id, by=cli.finance(args.user), reason=args.reason)
            print(f"cancelled settlement {args.id}; its rows wait for the next one")
        elif args.action == "list":
            cli.list(args.limit)
        elif args.action == "sepa":
            cli.sepa(args.id, args.out)
        elif args.action == "statements":
            cli.statements(args.id, args.out)
    except HeitjeError as exc:
        print(f"settlement {args.action}: {exc.code}: {exc.en}", file=sys.stderr)
        print(f"  {exc.nl}", file=sys.stderr)
        return 1
    return 0


@dataclass(frozen=True)
class _Commands:
    server: Server
    safe: Callable[[object], str]

    def prepare(self, first: str, last: str, username: str) -> None:
        prep = S.prepare(self.server, first, last, by=self.finance(username))
        s = prep.settlement
        print(
            f"prepared settlement {s.id}: {s.period.first} .. {s.period.last}, "
            f"{len(s.statements)} shop(s), {_euro(s.euro_cents)}; "
            "another finance account approves it"
        )
        for st in s.statements:
            print(
                f"  {st.merchant_id}\t{_euro(st.euro_cents)}\t{st.iban}\t"
                f"{self.safe(st.merchant_name)}"
            )
        for k in prep.skipped:
            print(
                f"  waits: {k.merchant_id}\t{k.reason}\t"
                f"{format_amount(k.heitje_cents, 'en')} heitjes\t{self.safe(k.merchant_name)}"
            )

    def list(self, limit: int) -> None:
        found = S.list_settlements(self.server, limit=max(1, limit))
        with self.server.engine.connect() as conn:
            names = work.usernames(conn, [x for s in found for x in (s.prepared_by, s.approved_by)])
        for s in found:
            prepared = names.get(s.prepared_by, s.prepared_by)
            approved = names.get(s.approved_by or "", s.approved_by or "-")
            print(
                f"{s.id}\t{s.period.first}..{s.period.last}\t{s.status}\t"
                f"{_euro(s.euro_cents)}\tprepared by {self.safe(prepared)}\t"
                f"approved by {self.safe(approved)}"
            )

    def sepa(self, sid: int, out: Path) -> None:
        xml = S.sepa_file(self.server, sid)
        _write(out, xml)
        summary = S.read_sepa(xml)
        print(
            f"wrote {out}: message {summary.msg_id}, {len(summary.payments)} payment(s), "
            f"{_euro(summary.total_cents)}"
        )

    def statements(self, sid: int, out: Path) -> None:
        settlement = S.get(self.server, sid)
        if settlement.status == S.CANCELLED:
            raise S.SettlementError(
                "settlement_cancelled",
                f"Afrekening {sid} is geannuleerd.",
                f"Settlement {sid} was cancelled.",
            )
        config = S.SettlementConfig.of(self.server.settings.config)
        with self.server.engine.connect() as conn:
            names = work.usernames(conn, [settlement.prepared_by, settlement.approved_by])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
        for st in settlement.statements:
            lines = S.day_lines(self.server, sid, st.merchant_id)
            pdf = render_statement(settlement, st, lines, config, names=names)
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in st.merchant_id)
            path = out / f"heitje-afrekening-{sid}-{safe}.pdf"
            _write(path, pdf)
            print(f"wrote {path}: {self.safe(st.merchant_name)}, {_euro(st.euro_cents)}")

    def finance(self, username: str) -> str:
        """The id (as text) of the active finance account `username`, as the pages record
        it."""
        with self.server.engine.connect() as conn:
            user = users.by_username(conn, username)
        if user is None or not user.active:
            name = self.safe(username)
            raise SettlementCliError(
                "unknown_user",
                f"Er is geen actief account '{name}'; zie python -m kiosk.server users list.",
                f"There is no active account '{name}'; see python -m kiosk.server users list.",
            )
        if user.role != FINANCE:
            raise SettlementCliError(
                "not_finance",
                f"Account '{user.username}' hoort niet bij Financiën: alleen Financiën rekent af.",
                f"Account '{user.username}' is not in the finance team: only finance settles.",
            )
        return str(user.id)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc


def _cannot_write(path: Path, exc: OSError) -> SettlementCliError:
    why = exc.strerror or str(exc)
    return SettlementCliError(
        "cannot_write",
        f"Kan {path} niet schrijven: {why}.",
        f"Cannot write {path}: {why}.",
    )


def _euro(cents: int) -> str:
    return f"EUR {format_amount(cents, 'en')}"
