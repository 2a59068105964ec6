"""`python -m kiosk.server settlement ...` as finance runs it, on SQLite and PostgreSQL: prepare a
period, four eyes between two finance accounts (the same ids the back office records), list,
the SEPA file against its schema and the statements as PDFs, cancel; refusals in words, in
English and Dutch. The history is real: a till enrolled with the server and its entries
ingested as batches (tests/server/ledger_kit.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest

from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.server import admin
from kiosk.server import settlement as S
from kiosk.server.__main__ import main
from tests.server.backoffice.kit import add_account
from tests.server.conftest import NOW
from tests.server.ledger_kit import Kit, city, open_server

PERIOD = ("--from", "2026-11-01", "--to", "2026-11-18")  # NOW is 2026-11-18: long over


class Cli:
    def __init__(self, data_dir: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.base = ["--data-dir", str(data_dir), "--database-url", db_url, "settlement"]
        self.capsys = capsys

    def __call__(self, *args: str, code: int = 0) -> str:
        """Run the command in this process (the server on the real clock); its output, or
        what it wrote on stderr when it is expected to refuse (`code` 1)."""
        self.capsys.readouterr()
        got = main([*self.base, *args])
        out, err = self.capsys.readouterr()
        assert got == code, (args, out, err)
        return out if code == 0 else err


def test_settlement_from_the_command_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "server"
    clock = FixedClock(NOW)
    with open_server(db_url, data, clock) as server:
        city(server, {"nb-1": None}, {"m-a": "nb-1", "m-b": "nb-1"})
        admin.add_merchant(server, "m-c", "Zonder Rekening", "nb-1")  # no IBAN: it waits
        kit = Kit(server, clock)
        admin.add_resident(server, "r-1", "Anna", "nb-1")
        admin.grant(server, "r-1", 50_000, "start")
        tills = {m: kit.enrol(roles.MERCHANT_COUNTER, merchant=m) for m in ("m-a", "m-b", "m-c")}
        first = tills["m-a"].spend("r-1", 1000, merchant="m-a")
        tills["m-a"].spend("r-1", 2000, merchant="m-a")
        Kit.refund(tills["m-a"], first, 400)
        tills["m-b"].spend("r-1", 700, merchant="m-b")
        tills["m-c"].spend("r-1", 900, merchant="m-c")
        for till in tills.values():
            kit.send(till)
        fenna = add_account(server, "fenna", "finance")
        frank = add_account(server, "frank", "finance")
        add_account(server, "beheer", "admin")

    cli = Cli(data, db_url, capsys)
    # prepared by one finance account, as a real process
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.server", *cli.base, "prepare", *PERIOD, "--user", "Fenna"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "prepared settlement 1: 2026-11-01 .. 2026-11-18, 2 shop(s), EUR 33.00" in out
    assert "  m-a\tEUR 26.00\tNL02ABNA0123456789\tWinkel m-a" in out
    assert "  m-b\tEUR 7.00\tNL44RABO0123456789\tWinkel m-b" in out
    assert "  waits: m-c\tno_iban\t9.00 heitjes\tZonder Rekening" in out

    # four eyes, and only the finance team; in words, in both languages
    err = cli("approve", "1", "--user", "fenna", code=1)
    assert "four_eyes" in err and "Four eyes" in err and "Vier ogen" in err
    err = cli("approve", "1", "--user", "beheer", code=1)
    assert "not_finance" in err and "only finance settles" in err and "Financiën" in err
    err = cli("approve", "1", "--user", "niemand", code=1)
    assert "unknown_user" in err and "no active account 'niemand'" in err
    assert "geen actief account" in err
    err = cli("sepa", "1", "--out", str(tmp_path / "early.xml"), code=1)
    assert "not_approved" in err and "no payment file yet" in err and "betaalbestand" in err
    assert not (tmp_path / "early.xml").exists()

    out = cli("approve", "1", "--user", "frank")
    assert "approved settlement 1: EUR 33.00 to 2 shop(s), booked" in out
    with open_server(db_url, data) as server:
        approved = S.get(server, 1)
        stored = S.sepa_file(server, 1)
    # the same ids the back office records: four eyes hold across pages and command line
    assert (approved.prepared_by, approved.approved_by) == (str(fenna), str(frank))
    out = cli("list")
    assert "1\t2026-11-01..2026-11-18\tapproved\tEUR 33.00\tprepared by fenna\t" in out
    assert "approved by frank" in out

    # the SEPA file: as stored, valid against its schema, paying the statements
    sepa = tmp_path / "sepa.xml"
    out = cli("sepa", "1", "--out", str(sepa))
    assert f"wrote {sepa}: message {approved.sepa_msg_id}, 2 payment(s), EUR 33.00" in out
    xml = sepa.read_bytes()
    assert xml == stored
    S.validate_sepa(xml, "pain.001.001.09")
    summary = S.read_sepa(xml)
    assert summary.total_cents == summary.control_sum_cents == approved.euro_cents == 3300
    assert sorted(p[2] for p in summary.payments) == sorted(
        s.euro_cents for s in approved.statements
    )

    # each shop's statement as a PDF
    folder = tmp_path / "statements"
    out = cli("statements", "1", "--out", str(folder))
    pdfs = sorted(folder.glob("*.pdf"))
    assert [p.name for p in pdfs] == ["heitje-afrekening-1-m-a.pdf", "heitje-afrekening-1-m-b.pdf"]
    doc = pdfium.PdfDocument(pdfs[0].read_bytes())
    try:
        text = doc[0].get_textpage().get_text_range()
    finally:
        doc.close()
    for needle in ("Winkel m-a", "NL02ABNA0123456789", "26,00", "-4,00", "fenna", "frank"):
        assert needle in text, needle

    # nothing is paid twice: what is left is the shop without an IBAN
    err = cli("prepare", *PERIOD, "--user", "frank", code=1)
    assert "nothing_to_settle" in err and "niets te betalen" in err
    err = cli("prepare", "--from", "gisteren", "--to", "2026-11-18", "--user", "frank", code=1)
    assert "bad_date" in err and "YYYY-MM-DD" in err and "JJJJ-MM-DD" in err
    err = cli("sepa", "9", "--out", str(tmp_path / "x.xml"), code=1)
    assert "unknown_settlement" in err and "No settlement 9" in err

    # a prepared settlement can be cancelled (its rows are free again), an approved one not
    with open_server(db_url, data) as server:
        admin.add_merchant(server, "m-d", "Winkel m-d", "nb-1", iban="NL91ABNA0417164300")
        clock = FixedClock(NOW)
        late = Kit(server, clock).enrol(roles.MERCHANT_COUNTER, merchant="m-d")
        late.spend("r-1", 500, merchant="m-d")
        Kit(server, clock).send(late)
    out = cli("prepare", *PERIOD, "--user", "frank")
    made = re.match(r"prepared settlement (\d+):", out)  # PostgreSQL skips the refused ids
    assert made and "m-d\tEUR 5.00" in out, out
    sid = made.group(1)
    err = cli("cancel", "1", "--user", "frank", code=1)
    assert "settlement_approved" in err and "al goedgekeurd" in err
    out = cli("cancel", sid, "--user", "fenna", "--reason", "verkeerde periode")
    assert f"cancelled settlement {sid}" in out
    listed = cli("list")
    assert f"{sid}\t2026-11-01..2026-11-18\tcancelled\tEUR 5.00\tprepared by frank" in listed
    err = cli("statements", sid, "--out", str(folder), code=1)
    assert "settlement_cancelled" in err and "geannuleerd" in err
    out = cli("prepare", *PERIOD, "--user", "fenna")  # the cancelled one's rows are free again
    assert out.startswith("prepared settlement ") and "m-d\tEUR 5.00" in out
