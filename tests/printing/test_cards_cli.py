"""`python -m kiosk cards print`: the cards of a real local database, as a PDF."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from nacl.signing import SigningKey
from sqlalchemy import update

from kiosk.cli import build_parser
from kiosk.core.cards import Card, CardKind, format_serial, issue_card, new_serial
from kiosk.db import registry as reg
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.models import Card as CardRow

ROOT = Path(__file__).resolve().parents[2]
KEY = SigningKey(bytes(range(32)))
DAY = dt.date(2026, 11, 22)


def make_data_dir(path: Path, key: SigningKey = KEY) -> dict[str, Card]:
    """A ledger with two residents, a staff member and a klusbox, each with a card, and one
    revoked card. Returns the cards by holder."""
    rng = random.Random(4)
    engine = open_data_dir_engine(path)
    cards: dict[str, Card] = {}

    def card(kind: CardKind) -> Card:
        return issue_card(key, kind, new_serial(kind, rng), DAY)

    try:
        with engine.begin() as conn:
            reg.add_neighbourhood(conn, "grasbroek", "Grasbroek")
            reg.add_neighbourhood(conn, "schandelen", "Schandelen")
            reg.add_resident(conn, "res-1", "Annie Hendriks", "grasbroek", created_at=0)
            reg.add_resident(conn, "res-2", "Karim El Amrani", "schandelen", created_at=0)
            reg.add_staff(conn, "staff-1", "Inspecteur M. Coumans", "inspector")
            reg.add_klusbox(conn, "box-1", "sweeping", "Veegbox Grasbroek", "grasbroek", [])
            for holder, kind, ref in [
                ("Annie Hendriks", CardKind.RESIDENT, {"resident_id": "res-1"}),
                ("Karim El Amrani", CardKind.RESIDENT, {"resident_id": "res-2"}),
                ("lost card", CardKind.RESIDENT, {"resident_id": "res-2"}),
                ("Inspecteur M. Coumans", CardKind.STAFF, {"staff_id": "staff-1"}),
                ("Veegbox Grasbroek", CardKind.KLUSBOX, {"klusbox_id": "box-1"}),
            ]:
                c = card(kind)
                cards[holder] = c
                reg.add_card(conn, c.serial, str(c.kind), c.payload, DAY, **ref)
            conn.execute(
                update(CardRow)
                .where(CardRow.serial == cards["lost card"].serial)
                .values(status="revoked")
            )
    finally:
        engine.dispose()
    (path / "municipality.pub").write_text(bytes(key.verify_key).hex() + "\n")
    return cards


def run(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(args))


def pdf_text(path: Path) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(path)
    try:
        text = ""
        for page in pdf:
            textpage = page.get_textpage()
            text += textpage.get_text_range()
            textpage.close()
        return len(pdf), " ".join(text.split())
    finally:
        pdf.close()


def test_prints_every_active_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = make_data_dir(tmp_path / "dev")
    out = tmp_path / "kaarten.pdf"
    assert run("cards", "print", "--data-dir", str(tmp_path / "dev"), "--out", str(out)) == 0
    assert "4 cards on 1 page" in capsys.readouterr().out
    pages, text = pdf_text(out)
    assert pages == 1
    for holder in ["Annie Hendriks", "Karim El Amrani", "Inspecteur M. Coumans"]:
        assert format_serial(cards[holder].serial) in text
    assert format_serial(cards["Veegbox Grasbroek"].serial) in text
    assert format_serial(cards["lost card"].serial) not in text
    for words in ["Annie", "Hendriks", "Coumans", "Veegbox", "Grasbroek", "Schandelen"]:
        assert words in text
    # Sorted by neighbourhood, then residents before klusboxes: Grasbroek's resident first.
    assert text.index("Annie") < text.index("Veegbox") < text.index("Karim")


def test_prints_only_the_serials_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cards = make_data_dir(tmp_path / "dev")
    out = tmp_path / "een.pdf"
    typed = format_serial(cards["Karim El Amrani"].serial).lower().replace(" ", "-")
    argv = ["cards", "print", "--data-dir", str(tmp_path / "dev"), "--out", str(out)]
    assert run(*argv, "--serial", typed) == 0
    assert "1 card on 1 page" in capsys.readouterr().out
    _, text = pdf_text(out)
    assert format_serial(cards["Karim El Amrani"].serial) in text
    assert format_serial(cards["Annie Hendriks"].serial) not in text


@pytest.mark.parametrize("case", ["unknown", "revoked", "typo", "no-ledger"])
def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    cards = make_data_dir(tmp_path / "dev")
    data_dir = tmp_path / ("empty" if case == "no-ledger" else "dev")
    serial = {
        "unknown": new_serial(CardKind.RESIDENT, random.Random(999)),
        "revoked": cards["lost card"].serial,
        "typo": cards["Annie Hendriks"].serial[:-1]
        + ("0" if cards["Annie Hendriks"].serial[-1] != "0" else "1"),
        "no-ledger": cards["Annie Hendriks"].serial,
    }[case]
    out = tmp_path / "x.pdf"
    argv = ["cards", "print", "--data-dir", str(data_dir), "--out", str(out), "--serial", serial]
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert {
        "unknown": "no such card",
        "revoked": "not printing revoked",
        "typo": "not valid",
        "no-ledger": "no ledger",
    }[case] in err
    assert not out.exists()


def test_refuses_cards_that_would_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_data_dir(tmp_path / "dev")
    # The device is configured for another municipality key than the one that signed the cards.
    other = SigningKey(bytes(range(5, 37)))
    (tmp_path / "dev" / "municipality.pub").write_text(bytes(other.verify_key).hex())
    out = tmp_path / "x.pdf"
    assert run("cards", "print", "--data-dir", str(tmp_path / "dev"), "--out", str(out)) == 1
    assert "does not verify" in capsys.readouterr().err
    assert not out.exists()


def test_through_python_m_kiosk(tmp_path: Path) -> None:
    cards = make_data_dir(tmp_path / "dev")
    out = tmp_path / "kaarten.pdf"
    argv = ["cards", "print", "--data-dir", str(tmp_path / "dev"), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", *argv, "--serial", cards["Annie Hendriks"].serial],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "1 card on 1 page" in done.stdout
    assert "fontTools" not in done.stderr
    assert pdf_text(out)[0] == 1
