"""`python -m kiosk cards print`: PDF sheets of the cards in this device's database."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.core.cards import CardError, CardKind, parse_manual_serial

MUNICIPALITY_KEY_FILE = "municipality.pub"  # hex public key, next to the ledger

__all__ = ["add_parser", "cmd_cards_print"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cards = subparsers.add_parser("cards", help="resident cards, staff cards, klusbox labels")
    cards_sub = cards.add_subparsers(title="cards commands", metavar="ACTION", required=True)
    p = cards_sub.add_parser(
        "print",
        help="print cards as a PDF, ten credit-card-size cards on an A4 sheet",
        description=(
            "Print cards from this device's database as a PDF: ten credit-card-size cards "
            "per A4 sheet, ready to cut. Without --serial: every active card, sorted by "
            "neighbourhood, kind and name."
        ),
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="folder with this device's ledger (default: the user data folder)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write")
    p.add_argument(
        "--serial",
        action="append",
        default=None,
        metavar="S",
        help="print only this card (repeat for more; spaces and dashes are fine)",
    )
    p.set_defaults(func=cmd_cards_print)


def cmd_cards_print(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from kiosk.core.cards import read_card
    from kiosk.core.crypto import verify_key_from_hex
    from kiosk.db.card_queries import cards_to_print
    from kiosk.db.engine import DB_FILENAME, open_engine, sqlite_url
    from kiosk.printing.cards_pdf import CARDS_PER_PAGE, PrintableCard, write_cards_pdf

    data_dir: Path = args.data_dir
    db = data_dir / DB_FILENAME
    if not db.exists():
        print(f"no ledger at {db}", file=sys.stderr)
        return 2

    serials: list[str] | None = None
    if args.serial:
        serials = []
        for typed in args.serial:
            try:
                serials.append(parse_manual_serial(typed))
            except CardError as exc:
                print(f"{typed!r}: {exc.message('en')}", file=sys.stderr)
                return 2

    engine = open_engine(sqlite_url(db))
    try:
        with Session(engine) as session:
            rows = cards_to_print(session, serials)
    finally:
        engine.dispose()

    if serials is not None:
        found = {r.serial for r in rows}
        missing = [s for s in serials if s not in found]
        if missing:
            print(f"no such card: {', '.join(missing)}", file=sys.stderr)
            return 2
        revoked = [r.serial for r in rows if r.status != "active"]
        if revoked:
            print(f"not printing revoked cards: {', '.join(revoked)}", file=sys.stderr)
            return 2
    if not rows:
        print("no active cards to print", file=sys.stderr)
        return 1

    # A card whose QR does not verify would be turned away at every counter: check each one
    # against the municipality key when the device has it, before wasting paper.
    key_file = data_dir / MUNICIPALITY_KEY_FILE
    items = []
    for row in rows:
        try:
            card_kind = CardKind(row.kind)
        except ValueError:
            print(f"{row.serial}: unknown card kind {row.kind!r}", file=sys.stderr)
            return 1
        if key_file.exists():
            try:
                card = read_card(row.payload, verify_key_from_hex(key_file.read_text().strip()))
            except (CardError, ValueError) as exc:
                reason = exc.message("en") if isinstance(exc, CardError) else str(exc)
                print(f"{row.serial}: stored QR does not verify: {reason}", file=sys.stderr)
                return 1
            if card.serial != row.serial or card.kind is not card_kind:
                print(f"{row.serial}: stored QR is for another card", file=sys.stderr)
                return 1
        else:
            from kiosk.core.cards import Card

            card = Card(card_kind, row.serial, row.issued_on, row.payload)
        items.append(PrintableCard(card, row.holder, row.neighbourhood))

    # fpdf2's font subsetting logs every table at INFO; the app's log level would show it all.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    out = write_cards_pdf(items, args.out)
    pages = -(-len(items) // CARDS_PER_PAGE)
    checked = "checked against " + MUNICIPALITY_KEY_FILE if key_file.exists() else "not checked"
    cards_text = "1 card" if len(items) == 1 else f"{len(items)} cards"
    pages_text = "1 page" if pages == 1 else f"{pages} pages"
    print(f"{cards_text} on {pages_text} written to {out} (QR {checked})")
    return 0
