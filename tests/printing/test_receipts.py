"""Receipts, read back from what was sent: ESC/POS bytes written to a real device file and to a
real TCP socket on 127.0.0.1, parsed (commands stripped, code pages decoded), and PDFs read
with pdfium. Printers that are gone give a PrinterError in Dutch and English."""

from __future__ import annotations

import os
import socket
import string
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from escpos.printer import Dummy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiosk.core.errors import HeitjeError
from kiosk.printing.receipts import (
    COLUMNS,
    DEFAULT_PORT,
    HISTORY_MAX,
    BalanceSlip,
    FilePrinter,
    HistoryItem,
    NetworkPrinter,
    PaymentReceipt,
    PdfFolder,
    PrinterError,
    RefundReceipt,
    parse_printer_target,
    print_escpos,
    print_receipt,
    receipt_text,
    render_receipt_pdf,
    short_tx_id,
)
from tests.printing.escpos_readback import read_escpos

AT = 1_773_324_300_000  # 12 March 2026, 15:05 in Amsterdam
TX = "0190c3a2-7b1d-7c4e-9f00-1a2b3c4d5e6f"
ACCENTS = "Café Ünal — € 3,50"


def payment(lang: str = "nl", **kw: object) -> PaymentReceipt:
    values: dict[str, object] = {
        "shop_name": "Bakker Jansen",
        "device_name": "Balie 1",
        "at_ms": AT,
        "amount": 350,
        "remaining": 1200,
        "tx_id": TX,
        "lang": lang,
    }
    values.update(kw)
    return PaymentReceipt(**values)  # type: ignore[arg-type]


def squeeze(line: str) -> str:
    return " ".join(line.split())


# -- ESC/POS to a device file and to a network printer ----------------------------------------


def test_a_payment_printed_to_a_device_file_reads_back_line_for_line(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()  # the device node exists while the printer is plugged in
    receipt = payment(shop_name=ACCENTS, device_name="Balie — één")
    assert print_receipt(receipt, parse_printer_target(f"file:{device}")) is None

    sent = read_escpos(device.read_bytes())
    assert sent.initialised and sent.cuts == 1
    assert sent.texts == receipt_text(receipt)
    assert squeeze(sent.texts[0]) == ACCENTS  # é and Ü from one code page, — and € from another
    assert len(set(sent.code_pages)) >= 2
    assert b"\xc3" not in device.read_bytes()  # no UTF-8 leaked to a printer that cannot read it
    by_text = {squeeze(line.text): line for line in sent.lines}
    assert by_text["Betaald"].double_width and by_text["Betaald"].double_height
    assert by_text["Bedrag 3,50 heitjes"].bold
    assert "Saldo over 12,00 heitjes" in by_text
    assert "Datum 12-03-2026 15:05" in by_text
    assert "Bonnummer 3C4D-5E6F" in by_text
    assert "Kassa Balie — één" in by_text
    assert all(
        len(t) * (2 if line.double_width else 1) <= COLUMNS
        for t, line in zip(sent.texts, sent.lines, strict=True)
    )


def test_a_payment_printed_to_a_network_printer_reads_back_in_english() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        receipt = payment("en", remaining=-150)  # offline: the balance may go below zero
        # The whole receipt fits in the socket buffers: it is sent before we accept, all in
        # this one thread.
        print_receipt(receipt, parse_printer_target(f"net:127.0.0.1:{port}"))
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
    sent = read_escpos(data)
    assert sent.texts == receipt_text(receipt)
    lines = [squeeze(t) for t in sent.texts]
    assert "Paid" in lines and "Amount 3.50 heitjes" in lines
    assert "Balance left -1.50 heitjes" in lines
    assert "Date 12 Mar 2026 15:05" in lines and "Till Balie 1" in lines
    assert sent.cuts == 1


def test_a_refund_receipt() -> None:
    refund = RefundReceipt(
        "Bakker Jansen", "Balie 1", AT, 100, 1300, "0190c3a2-0000-7000-8000-00000000beef", TX
    )
    printer = Dummy()
    print_escpos(refund, printer)
    lines = [squeeze(t) for t in read_escpos(printer.output).texts]
    assert lines[:2] == ["Bakker Jansen", "Terugbetaling"]
    assert "Terug 1,00 heitje" in lines  # one heitje, singular
    assert "Saldo nu 13,00 heitjes" in lines
    assert "Voor bon 3C4D-5E6F" in lines and "Bonnummer 0000-BEEF" in lines
    assert "Terugbetaald" in lines and "Betaald" not in lines
    english = [squeeze(t) for t in receipt_text(RefundReceipt(**{**refund.__dict__, "lang": "en"}))]
    assert "Refunded" in english and "For receipt 3C4D-5E6F" in english


def test_a_balance_slip_shows_the_last_ten_transactions_newest_first() -> None:
    history = [HistoryItem(AT - i * 86_400_000, f"Winkel {i}", -100 * (i + 1)) for i in range(12)]
    history[1] = HistoryItem(AT - 86_400_000, "Klus: plein vegen", 1000)
    slip = BalanceSlip(ACCENTS, "Kiosk Buurthuis", AT, 2450, history)
    printer = Dummy()
    print_escpos(slip, printer)
    sent = read_escpos(printer.output)
    lines = [squeeze(t) for t in sent.texts]
    assert lines[0] == ACCENTS and lines[1] == "Saldo-overzicht"
    assert "24,50 heitjes" in lines
    assert next(line for line in sent.lines if squeeze(line.text) == "24,50 heitjes").double_width
    rows = lines[lines.index("Laatste boekingen") + 1 :][:HISTORY_MAX]
    assert rows[0] == "12-03 Winkel 0 -1,00"
    assert rows[1] == "11-03 Klus: plein vegen +10,00"
    assert rows[-1] == "03-03 Winkel 9 -10,00"
    assert not any("Winkel 10" in line for line in lines)
    assert "Dit is geen betaalbewijs." in lines and "Betaald" not in lines
    empty = [squeeze(t) for t in receipt_text(BalanceSlip("Buurthuis", "Kiosk", AT, 0, (), "en"))]
    assert "No transactions yet." in empty and "0.00 heitjes" in empty


def test_long_names_wrap_within_the_paper() -> None:
    long_name = "Groente- en fruithandel Gebroeders Van den Bosch-Oudshoorn en Zonen"
    receipt = payment(shop_name=long_name, device_name="Toonbank achterin bij de koeling, links")
    text = receipt_text(receipt)
    assert all(len(line) <= COLUMNS for line in text)
    assert squeeze(" ".join(text[:2])) == long_name
    assert "Toonbank achterin bij de koeling, links" in [squeeze(t) for t in text]
    what = "Klus: zwerfafval rapen in het park achter de Bernadettekerk en langs de vijver"
    slip = receipt_text(BalanceSlip("Buurthuis", "Kiosk", AT, 100, [HistoryItem(AT, what, 1000)]))
    assert all(len(line) <= COLUMNS for line in slip)
    start = next(i for i, line in enumerate(slip) if line.startswith("12-03 Klus"))
    end = next(i for i, line in enumerate(slip) if line.endswith("+10,00"))
    assert squeeze(" ".join(slip[start : end + 1])) == f"12-03 {what} +10,00"


def test_short_tx_id() -> None:
    assert short_tx_id(TX) == "3C4D-5E6F"
    # UUIDv7: two payments of the same minute share their first digits, not their last.
    assert short_tx_id("0190c3a2-7b1d-7c4e-9f00-000000000001") != short_tx_id(
        "0190c3a2-7b1d-7c4e-9f00-000000000002"
    )


names = st.text(
    alphabet=st.sampled_from(
        string.ascii_letters + string.digits + " .,-'&()/:" + "éëèêïöüäáóúàçñÉËÖÜÏ€—–‘’“”…ßøåæ"
    ),
    min_size=1,
    max_size=90,
).filter(str.strip)


long_name = "Ä" + "lang " * 20  # wraps on every line kind, with an accent to encode


@example(long_name, long_name, 10**9, -(10**9), 0, "nl", [(0, long_name, -(10**7))])
@settings(max_examples=150, deadline=None)
@given(
    name=names,
    device=names,
    amount=st.integers(1, 10**9),
    remaining=st.integers(-(10**9), 10**9),
    at=st.integers(0, 4_102_444_800_000),
    lang=st.sampled_from(["nl", "en"]),
    history=st.lists(
        st.tuples(st.integers(0, 4_102_444_800_000), names, st.integers(-(10**7), 10**7)),
        max_size=12,
    ),
)
def test_every_receipt_reads_back_as_its_text(name, device, amount, remaining, at, lang, history):
    """What the printer gets decodes to exactly the receipt's text layout, for any names with
    Dutch (and other Latin) accents, any amounts and times, and every line fits the paper."""
    receipts = [
        payment(lang, shop_name=name, device_name=device, amount=amount, remaining=remaining),
        RefundReceipt(name, device, at, amount, remaining, TX, TX, lang),  # type: ignore[arg-type]
        BalanceSlip(name, device, at, remaining, [HistoryItem(*h) for h in history], lang),  # type: ignore[arg-type]
    ]
    for receipt in receipts:
        printer = Dummy()
        print_escpos(receipt, printer)
        sent = read_escpos(printer.output)
        assert sent.texts == receipt_text(receipt)
        for line in sent.lines:
            assert len(line.text) * (2 if line.double_width else 1) <= COLUMNS
        assert "?" not in "".join(sent.texts)  # every character had a code page


# -- PDF ---------------------------------------------------------------------------------------


def pdf_lines(data: bytes) -> tuple[list[str], tuple[float, float]]:
    doc = pdfium.PdfDocument(data)
    try:
        assert len(doc) == 1
        page = doc[0]
        text = page.get_textpage().get_text_range()
        size = page.get_size()
    finally:
        doc.close()
    return [squeeze(line) for line in text.splitlines() if line.strip()], size


def test_the_pdf_receipt_is_80_mm_wide_and_holds_the_same_text() -> None:
    for receipt in (
        payment(shop_name=ACCENTS),
        payment("en"),
        BalanceSlip("Buurthuis", "Kiosk", AT, 500, [HistoryItem(AT, "Bakker Jansen", -350)]),
    ):
        lines, (width_pt, _) = pdf_lines(render_receipt_pdf(receipt))
        assert width_pt == pytest.approx(80 / 25.4 * 72, abs=0.1)
        expected = [squeeze(t) for t in receipt_text(receipt) if t.strip("- ")]
        assert lines == expected


def test_a_pdf_folder_gets_one_file_per_receipt(tmp_path: Path) -> None:
    target = parse_printer_target(f"pdf:{tmp_path}")
    assert target == PdfFolder(tmp_path)
    first = print_receipt(payment(), target)
    second = print_receipt(payment(tx_id="0190c3a2-7b1d-7c4e-9f00-aaaaaaaaaaaa"), target)
    assert first is not None and second is not None and first != second
    assert sorted(tmp_path.iterdir()) == sorted([first, second])
    assert "Betaald" in pdf_lines(first.read_bytes())[0]


# -- printers that are gone --------------------------------------------------------------------


def assert_both_languages(err: HeitjeError, *needles: str) -> None:
    assert err.nl != err.en
    for needle in needles:
        assert needle in err.nl and needle in err.en
    assert "betaling is wel gedaan" in err.nl and "payment itself went through" in err.en


def test_an_unplugged_device_file(tmp_path: Path) -> None:
    missing = tmp_path / "usb" / "lp0"
    with pytest.raises(PrinterError) as caught:
        print_receipt(payment(), FilePrinter(missing))
    assert caught.value.code == "printer_missing"
    assert_both_languages(caught.value, str(missing))
    # A missing device in an existing folder is not created as an ordinary file either.
    with pytest.raises(PrinterError):
        print_receipt(payment(), FilePrinter(tmp_path / "lp0"))
    assert not (tmp_path / "lp0").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="Linux /dev/full")
def test_a_printer_that_breaks_off_while_printing() -> None:
    """/dev/full takes the open and refuses the writes (no space), as a printer that runs out
    mid-receipt."""
    with pytest.raises(PrinterError) as caught:
        print_receipt(payment(), FilePrinter(Path("/dev/full")))
    assert caught.value.code == "printer_broke_off"
    assert_both_languages(caught.value, "/dev/full")


def test_a_network_printer_that_refuses_the_connection() -> None:
    # A bound socket that does not listen: the connection is refused, and no other process
    # can take the port meanwhile.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with pytest.raises(PrinterError) as caught:
            print_receipt(payment(), NetworkPrinter("127.0.0.1", port), timeout_s=2)
    assert caught.value.code == "printer_unreachable"
    assert_both_languages(caught.value, f"127.0.0.1:{port}")


def test_a_missing_pdf_folder(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as caught:
        print_receipt(payment(), PdfFolder(tmp_path / "nope"))
    assert caught.value.code == "receipt_folder_unwritable"
    assert str(tmp_path / "nope") in caught.value.nl


# -- the printer string ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("file:/dev/usb/lp0", FilePrinter(Path("/dev/usb/lp0"))),
        ("net:192.168.1.50:9100", NetworkPrinter("192.168.1.50", 9100)),
        ("net:192.168.1.50", NetworkPrinter("192.168.1.50", DEFAULT_PORT)),
        ("net:Printer-1.winkel.local:4242", NetworkPrinter("printer-1.winkel.local", 4242)),
        ("net:[fe80::1]:9100", NetworkPrinter("fe80::1", 9100)),
        ("pdf:/var/lib/heitje/bonnen", PdfFolder(Path("/var/lib/heitje/bonnen"))),
    ],
)
def test_printer_strings(text: str, target: object) -> None:
    assert parse_printer_target(text) == target
    assert parse_printer_target(str(target)) == target


@pytest.mark.parametrize(
    ("text", "says_nl", "says_en"),
    [
        ("", "file:, net: of pdf:", "file:, net: or pdf:"),
        ("/dev/usb/lp0", "file:, net: of pdf:", "file:, net: or pdf:"),
        ("usb:/dev/usb/lp0", "file:, net: of pdf:", "file:, net: or pdf:"),
        ("FILE:/dev/usb/lp0", "file:, net: of pdf:", "file:, net: or pdf:"),
        ("file:", "pad of adres", "path or address"),
        ("file: /dev/usb/lp0", "zonder spaties", "without spaces"),
        ("file:dev/usb/lp0", "volledig", "absolute"),
        ("net:192.168.1.50:", "poort ''", "port ''"),
        ("net:192.168.1.50:0", "poort '0'", "port '0'"),
        ("net:192.168.1.50:65536", "65535", "65535"),
        ("net:192.168.1.50:91OO", "poort '91OO'", "port '91OO'"),
        ("net:192.168.1.500:9100", "geen IP-adres", "not an IP address"),
        ("net:192.168.1:9100", "geen IP-adres", "not an IP address"),
        ("net:-printer:9100", "computernaam", "host name"),
        ("net:printer_1:9100", "computernaam", "host name"),
        ("net:fe80::1:9100", "HOST:POORT", "HOST:PORT"),
        ("net:[fe80::zz]:9100", "IPv6", "IPv6"),
        ("net:[fe80::1:9100", "HOST:POORT", "HOST:PORT"),
    ],
)
def test_bad_printer_strings_say_what_is_wrong(text: str, says_nl: str, says_en: str) -> None:
    with pytest.raises(PrinterError) as caught:
        parse_printer_target(text)
    err = caught.value
    assert err.code == "printer_target_unreadable"
    assert says_nl in err.nl and says_en in err.en
    assert "file:/dev/usb/lp0" in err.nl and "net:192.168.1.50:9100" in err.en


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda k, r: k + r,
            st.sampled_from(["file:", "net:", "pdf:", "net:[", "net:127.0.0.1:"]),
            st.text(max_size=30),
        ),
    )
)
def test_any_printer_string_parses_or_is_refused_in_words(text: str) -> None:
    try:
        target = parse_printer_target(text)
    except PrinterError as err:
        assert err.code == "printer_target_unreadable" and err.nl and err.en
        return
    assert parse_printer_target(str(target)) == target
