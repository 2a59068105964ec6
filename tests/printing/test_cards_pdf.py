"""The printed card sheets: pages, text, QR size and quiet zone, measured on the rendered PDF."""

from __future__ import annotations

import datetime
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from nacl.signing import SigningKey

from kiosk.core.cards import CardKind, format_serial, issue_card, new_serial, read_card
from kiosk.printing.cards_pdf import (
    CARD_H,
    CARD_W,
    CARDS_PER_PAGE,
    QR_QUIET_MODULES,
    PrintableCard,
    _find_fonts,
    card_slots,
    qr_matrix,
    render_cards_pdf,
    write_cards_pdf,
)

KEY = SigningKey(bytes(range(32)))
DPI = 300
PX_PER_MM = DPI / 25.4
ROOT = Path(__file__).resolve().parents[2]

NAMES = [
    "Mevrouw J. de Vries-van den Berg",
    "Ahmet Yılmaz",
    "Łukasz Wiśniewski",
    "Anna",
    "Klusbox 3: bezems, grijpers en vuilniszakken",
    "Sanne Bakker (Stadsbeheer)",
    "Mohammed Bouzid-El Khattabi van der Heijden-Vermeulen de Jong",
    "A" * 80,
]


def printable(count: int, seed: int = 1) -> list[PrintableCard]:
    rng = random.Random(seed)
    kinds = list(CardKind)
    out = []
    for i in range(count):
        kind = kinds[i % 3]
        card = issue_card(KEY, kind, new_serial(kind, rng), datetime.date(2026, 11, 22))
        neighbourhood = "Transvaal, Den Haag" if i % 2 else "Schilderswijk"
        out.append(PrintableCard(card, NAMES[i % len(NAMES)], neighbourhood))
    return out


def render(data: bytes, dpi: int = DPI) -> list[np.ndarray]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil()) for page in pdf]
    finally:
        pdf.close()


def page_texts(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (10, 1), (11, 2), (25, 3)])
def test_page_count(count: int, pages: int) -> None:
    assert CARDS_PER_PAGE == 10
    data = render_cards_pdf(printable(count))
    assert data.startswith(b"%PDF-")
    pdf = pdfium.PdfDocument(data)
    try:
        assert len(pdf) == pages
        width, height = pdf[0].get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    finally:
        pdf.close()


def test_cards_are_credit_card_size_and_fit_the_page() -> None:
    assert (CARD_W, CARD_H) == (85.6, 54.0)
    for slot in card_slots(10):
        assert slot.x >= 10 and slot.y >= 10  # inside what any office printer can print
        assert slot.x + CARD_W <= 200 and slot.y + CARD_H <= 287


def test_serial_names_neighbourhood_and_instruction_are_text() -> None:
    items = printable(12)
    texts = page_texts(render_cards_pdf(items))
    for item, slot in zip(items, card_slots(len(items)), strict=True):
        text = texts[slot.page]
        assert format_serial(item.card.serial) in text
        first_word = item.holder.split()[0][:10]
        assert first_word in text
    if _find_fonts(None) is not None:  # DejaVu installed: names exactly as written
        assert "Yılmaz" in texts[0] and "Łukasz" in texts[0] and "Wiśniewski" in texts[0]
    else:
        assert "Yilmaz" in texts[0] and "Lukasz" in texts[0] and "Wisniewski" in texts[0]
    assert "Schilderswijk" in texts[0] and "Transvaal" in texts[0]
    flat = " ".join(" ".join(t.split()) for t in texts)
    assert "Scan deze kaart bij de" in flat and "kiosk of in de winkel." in flat
    assert "Bewonerspas" in flat and "Medewerkerspas" in flat and "Klusbox" in flat
    assert "22-11-2026" in flat


def test_qr_is_big_alphanumeric_level_m_with_a_clean_quiet_zone_and_reads_back() -> None:
    items = printable(13)
    pages = render(render_cards_pdf(items))
    for item, slot in zip(items, card_slots(len(items)), strict=True):
        left, top, size = slot.qr_box
        x0, y0 = round(left * PX_PER_MM), round(top * PX_PER_MM)
        box = pages[slot.page][y0 : y0 + round(size * PX_PER_MM), x0 : x0 + round(size * PX_PER_MM)]
        dark = np.argwhere(box < 128)
        (r0, c0), (r1, c1) = dark.min(axis=0), dark.max(axis=0)
        width_mm = (c1 - c0 + 1) / PX_PER_MM
        height_mm = (r1 - r0 + 1) / PX_PER_MM
        assert width_mm >= 25 and height_mm >= 25, (width_mm, height_mm)
        assert abs(width_mm - height_mm) < 0.3

        # The quiet zone: 4 modules of nothing but paper on every side (a pixel of slack for
        # anti-aliasing at the box edge and the code edge).
        modules = len(qr_matrix(item.card.payload))
        module_px = box.shape[1] / (modules + 2 * QR_QUIET_MODULES)
        quiet = round(QR_QUIET_MODULES * module_px) - 1
        assert c0 >= quiet and r0 >= quiet
        assert box.shape[1] - 1 - c1 >= quiet and box.shape[0] - 1 - r1 >= quiet
        ring = box.copy()
        ring[quiet:-quiet, quiet:-quiet] = 255
        assert ring[1:-1, 1:-1].min() > 200, "something is printed in the quiet zone"

        found = zxingcpp.read_barcodes(box, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [item.card.payload]
        assert found[0].ec_level == "M"
        assert found[0].symbology_identifier == "]Q1"  # QR model 2 without ECI/FNC1
        assert read_card(found[0].text, KEY.verify_key) == item.card


def test_qr_uses_version_5_alphanumeric() -> None:
    payload = printable(1)[0].card.payload
    assert len(qr_matrix(payload)) == 37  # version 5: 17 + 4 * 5 modules


def test_without_a_unicode_font_names_are_folded_to_latin1(tmp_path: Path) -> None:
    items = printable(3)
    data = render_cards_pdf(items, font_dirs=[tmp_path])  # no DejaVu there
    text = " ".join(page_texts(data))
    assert "Lukasz" in text and "Yilmaz" in text and "Wisniewski" in text
    assert format_serial(items[0].card.serial) in text


def test_write_cards_pdf(tmp_path: Path) -> None:
    target = tmp_path / "kaarten.pdf"
    assert write_cards_pdf(printable(2), target) == target
    assert target.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["kaarten.pdf"]


def test_no_cards_is_an_error() -> None:
    with pytest.raises(ValueError, match="no cards"):
        render_cards_pdf([])


def test_printing_needs_no_qt_and_no_database() -> None:
    code = (
        "import sys, kiosk.printing.cards_pdf\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy')"
        " or m.startswith(('kiosk.db', 'kiosk.ui', 'kiosk.scan'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_thumb_on_any_corner_stays_clear_of_the_code() -> None:
    # The layout keeps every corner of the QR code (finder patterns and the alignment corner)
    # at least 17 mm from every corner of the card, where people hold it.
    from kiosk.printing.cards_pdf import QR_BOX, QR_X, QR_Y

    module = QR_BOX / (37 + 2 * QR_QUIET_MODULES)
    left, top = QR_X + QR_QUIET_MODULES * module, QR_Y + QR_QUIET_MODULES * module
    right, bottom = left + 37 * module, top + 37 * module
    assert right - left >= 25
    for cx, cy in [(0, 0), (CARD_W, 0), (0, CARD_H), (CARD_W, CARD_H)]:
        for qx, qy in [(left, top), (right, top), (left, bottom), (right, bottom)]:
            assert ((cx - qx) ** 2 + (cy - qy) ** 2) ** 0.5 >= 17
