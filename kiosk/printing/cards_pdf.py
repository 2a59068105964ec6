"""PDF sheets of credit-card-size cards: resident cards, staff cards and klusbox labels.

Pure Python (fpdf2 + qrcode), no Qt: the kiosk and the municipality's server both print.

Each card is 85.6 x 54 mm (ID-1). Ten fit on an A4 sheet in a 2 x 5 grid with no gutter, so
one straight cut per line separates them; thin grey borders and crop marks in the margin show
where. The QR is drawn as vector squares (sharp on any printer), version 5 at error correction
M in alphanumeric mode, 36.6 mm wide plus its 4-module quiet zone -- comfortably over the
25 mm a cheap counter webcam needs at arm's length. The serial is printed under it in groups
of three for reading aloud and typing.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import qrcode
import qrcode.constants
import qrcode.util
from fpdf import FPDF

from kiosk.core.cards import Card, CardKind, format_serial

__all__ = [
    "CARDS_PER_PAGE",
    "CARD_H",
    "CARD_W",
    "QR_QUIET_MODULES",
    "CardSlot",
    "PrintableCard",
    "card_slots",
    "qr_matrix",
    "render_cards_pdf",
    "write_cards_pdf",
]

PAGE_W: Final = 210.0
PAGE_H: Final = 297.0
CARD_W: Final = 85.6
CARD_H: Final = 54.0
COLS: Final = 2
ROWS: Final = 5
CARDS_PER_PAGE: Final = COLS * ROWS
MARGIN_X: Final = (PAGE_W - COLS * CARD_W) / 2
MARGIN_Y: Final = (PAGE_H - ROWS * CARD_H) / 2

QR_QUIET_MODULES: Final = 4
# Layout, mm from the card's top left. The QR is as large as the card's height allows -- its
# code 36.6 mm wide, so a module is 0.99 mm for version 5 -- with the serial under it. People
# hold a card by a corner, and a thumb over a finder pattern stops the read, so every corner
# of the code is about 18 mm from every corner of the card. The strip right of the code,
# where a thumb goes, carries the coloured band with the card type; the text goes on the left.
QR_BOX: Final = 44.5  # QR including its quiet zone
QR_X: Final = 28.0  # the QR box's left edge
QR_Y: Final = 1.2
BAND_W: Final = 7.5  # the coloured band along the right edge
TEXT_X: Final = 2.5
TEXT_W: Final = QR_X - TEXT_X - 0.5
# Colour-coded bands, always with the type written on them (not colour alone).
_BAND: Final = {
    CardKind.RESIDENT: ((0, 110, 80), "Bewonerspas"),
    CardKind.STAFF: ((25, 70, 150), "Medewerkerspas"),
    CardKind.KLUSBOX: ((190, 85, 0), "Klusbox"),
}
_INSTRUCTION: Final = {
    CardKind.RESIDENT: "Scan deze kaart bij de kiosk of in de winkel.",
    CardKind.STAFF: "Scan deze pas bij de kiosk om in te loggen.",
    CardKind.KLUSBOX: "Scan dit label bij uitlenen en terugbrengen.",
}

# DejaVu covers the names of residents from everywhere (Ł, Ş, Ğ, ...); without it we fall back
# to the PDF core fonts and fold names to Latin-1.
_FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_FONT_FILES: Final = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono-Bold.ttf",
}


_LATIN_FALLBACK: Final = str.maketrans(
    {"Ł": "L", "ł": "l", "ı": "i", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "Œ": "OE", "œ": "oe"}
)


@dataclass(frozen=True)
class PrintableCard:
    """One card to print: the signed card and what is written on it."""

    card: Card
    holder: str  # the resident's or staff member's name, or the klusbox's label
    neighbourhood: str
    instruction: str | None = None  # one line in Dutch; a default per kind when None


@dataclass(frozen=True)
class CardSlot:
    """Where a card sits on its sheet (mm from the page's top left)."""

    page: int
    x: float
    y: float

    @property
    def qr_box(self) -> tuple[float, float, float]:
        """Left, top and size of the QR including its quiet zone."""
        return (self.x + QR_X, self.y + QR_Y, QR_BOX)


def card_slots(count: int) -> Iterator[CardSlot]:
    """Row by row, top to bottom, ten to a page."""
    for i in range(count):
        page, cell = divmod(i, CARDS_PER_PAGE)
        row, col = divmod(cell, COLS)
        yield CardSlot(page, MARGIN_X + col * CARD_W, MARGIN_Y + row * CARD_H)


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules (without quiet zone) for a card payload: alphanumeric mode, level M."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    # types-qrcode types the MODE_ constants as plain int, not the literals QRData takes.
    alnum = qrcode.util.MODE_ALPHA_NUM
    qr.add_data(qrcode.util.QRData(payload, mode=alnum))  # type: ignore[call-overload]
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.get_matrix()]


def _find_fonts(font_dirs: Sequence[str | os.PathLike[str]] | None) -> dict[str, Path] | None:
    for folder in font_dirs if font_dirs is not None else _FONT_DIRS:
        paths = {style: Path(folder) / name for style, name in _FONT_FILES.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    return None


class _Sheet:
    def __init__(self, font_dirs: Sequence[str | os.PathLike[str]] | None) -> None:
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.c_margin = 0  # text starts exactly where we put it: nothing into the quiet zone
        self.pdf.set_creator("Heitje")
        self.pdf.set_title("Heitje-kaarten")
        fonts = _find_fonts(font_dirs)
        self.unicode = fonts is not None
        if fonts is not None:
            self.pdf.add_font("Text", "", fonts[""])
            self.pdf.add_font("Text", "B", fonts["B"])
            self.pdf.add_font("Mono", "B", fonts["mono"])
            self.text_font, self.mono_font = "Text", "Mono"
        else:
            self.text_font, self.mono_font = "Helvetica", "Courier"

    def clean(self, text: str) -> str:
        text = " ".join(text.split())
        if self.unicode:
            return text
        # Core fonts are Latin-1: keep accents that exist there, drop the rest (ś -> s), and
        # spell the letters that do not decompose (Ł, ı) the way their owners would.
        out = []
        for ch in text.translate(_LATIN_FALLBACK):
            try:
                ch.encode("latin-1")
                out.append(ch)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode()
                out.append(base or "?")
        return "".join(out)

    def wrap(self, text: str, width: float, max_lines: int) -> list[str]:
        """Greedy word wrap at the current font; the last line is cut with an ellipsis."""
        lines: list[str] = []
        current = ""
        for word in self._pieces(text, width):
            trial = f"{current} {word}".strip()
            if self.pdf.get_string_width(trial) <= width or not current:
                current = trial
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
        lines = lines or [""]
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        ellipsis = "…" if self.unicode else "..."
        last = lines[-1]
        while last and self.pdf.get_string_width(lines[-1]) > width:
            last = last[:-1]
            lines[-1] = last.rstrip() + ellipsis
        return lines

    def _pieces(self, text: str, width: float) -> Iterator[str]:
        """The words of `text`, a word too long for one line cut into pieces that fit."""
        for word in text.split():
            while self.pdf.get_string_width(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and self.pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                yield word[:cut]
                word = word[cut:]
            yield word

    def fit(
        self,
        text: str,
        width: float,
        sizes: Sequence[float],
        max_lines: int,
        max_height: float | None = None,
    ) -> list[str]:
        """The largest font size at which `text` fits in `max_lines` lines (and `max_height`
        mm, at 0.4 mm of line per point); the smallest size, cut short, if none does."""
        for size in sizes:
            self.pdf.set_font_size(size)
            if any(self.pdf.get_string_width(word) > width for word in text.split()):
                continue  # rather a smaller size than a name broken mid-word
            lines = self.wrap(text, width, 99)
            fits_height = max_height is None or len(lines) * size * 0.4 <= max_height
            if (
                len(lines) <= max_lines
                and fits_height
                and all(self.pdf.get_string_width(line) <= width for line in lines)
            ):
                return lines
        self.pdf.set_font_size(sizes[-1])
        if max_height is not None:
            max_lines = max(1, min(max_lines, int(max_height / (sizes[-1] * 0.4))))
        return self.wrap(text, width, max_lines)

    def crop_marks(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        gap, length = 2.0, 6.0
        left, right = MARGIN_X, MARGIN_X + COLS * CARD_W
        top, bottom = MARGIN_Y, MARGIN_Y + ROWS * CARD_H
        for c in range(COLS + 1):
            x = MARGIN_X + c * CARD_W
            pdf.line(x, top - gap - length, x, top - gap)
            pdf.line(x, bottom + gap, x, bottom + gap + length)
        for r in range(ROWS + 1):
            y = MARGIN_Y + r * CARD_H
            pdf.line(left - gap - length, y, left - gap, y)
            pdf.line(right + gap, y, right + gap + length, y)

    def card(self, item: PrintableCard, slot: CardSlot) -> None:
        pdf = self.pdf
        card = item.card
        x, y = slot.x, slot.y
        colour, label = _BAND[card.kind]

        # Cut line: a thin light border, shared with the neighbours.
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.15)
        pdf.rect(x, y, CARD_W, CARD_H)

        # Band along the right edge: "Heitje" and the card type, white on colour, reading
        # upwards.
        pdf.set_fill_color(*colour)
        pdf.rect(x + CARD_W - BAND_W, y, BAND_W, CARD_H, style="F")
        pdf.set_text_color(255, 255, 255)
        with pdf.rotation(90, x + CARD_W - BAND_W, y + CARD_H):
            pdf.set_xy(x + CARD_W - BAND_W + 3.0, y + CARD_H + 0.25)
            pdf.set_font(self.text_font, "B", 10.5)
            pdf.cell(20, BAND_W, "Heitje")
            pdf.set_font(self.text_font, "B", 10)
            pdf.set_xy(x + CARD_W - BAND_W + CARD_H - 43.0, y + CARD_H + 0.25)
            pdf.cell(40, BAND_W, label, align="R")

        self.qr(card.payload, *slot.qr_box)

        # Serial under the QR, below its quiet zone, big enough to read without glasses.
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(self.mono_font, "B", 13)
        pdf.set_xy(x + QR_X, y + QR_Y + QR_BOX - 0.6)
        pdf.cell(QR_BOX, 6.0, format_serial(card.serial), align="C")

        # Left column: neighbourhood at the top, the instruction at the bottom, and between
        # them the holder's name as large as the room allows, then the issue date.
        top = y + 3.5
        pdf.set_font(self.text_font, "", 8)
        pdf.set_text_color(60, 60, 60)
        for line in self.fit(self.clean(item.neighbourhood), TEXT_W, (8, 7), 2):
            pdf.set_xy(x + TEXT_X, top)
            pdf.cell(TEXT_W, 3.5, line)
            top += 3.5
        top += 1.5

        instruction = self.clean(item.instruction or _INSTRUCTION[card.kind])
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(self.text_font, "B", 8)
        lines = self.fit(instruction, TEXT_W, (8, 7.5, 7), 4)
        line_h = 3.4
        instruction_top = y + CARD_H - 3.0 - len(lines) * line_h
        for i, line in enumerate(lines):
            pdf.set_xy(x + TEXT_X, instruction_top + i * line_h)
            pdf.cell(TEXT_W, line_h, line)

        date_h = 2 * 3.0 + 0.5
        room = instruction_top - 1.0 - date_h - top
        pdf.set_font(self.text_font, "B", 13)
        holder = self.fit(self.clean(item.holder), TEXT_W, (13, 12, 11, 10, 9, 8), 4, room)
        line_h = pdf.font_size_pt * 0.4  # mm: a little over one em
        for line in holder:
            pdf.set_xy(x + TEXT_X, top)
            pdf.cell(TEXT_W, line_h, line)
            top += line_h
        pdf.set_font(self.text_font, "", 7)
        pdf.set_text_color(60, 60, 60)
        for i, line in enumerate(("Uitgegeven", f"{card.issued:%d-%m-%Y}")):
            pdf.set_xy(x + TEXT_X, top + 0.5 + i * 3.0)
            pdf.cell(TEXT_W, 3.0, line)

    def qr(self, payload: str, left: float, top: float, size: float) -> None:
        matrix = qr_matrix(payload)
        n = len(matrix)
        module = size / (n + 2 * QR_QUIET_MODULES)
        x0 = left + QR_QUIET_MODULES * module
        y0 = top + QR_QUIET_MODULES * module
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        # One rectangle per horizontal run of dark modules: fewer objects, no hairline seams
        # between neighbouring modules. Runs overlap the next row by a hair for the same reason.
        bleed = 0.02
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                pdf.rect(
                    x0 + start * module,
                    y0 + r * module,
                    (c - start) * module,
                    module + (bleed if r + 1 < n and any(matrix[r + 1][start:c]) else 0.0),
                    style="F",
                )


def render_cards_pdf(
    cards: Sequence[PrintableCard],
    *,
    font_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> bytes:
    """The PDF for `cards`, ten per A4 sheet. `font_dirs` overrides where DejaVu is looked for."""
    if not cards:
        raise ValueError("no cards to print")
    sheet = _Sheet(font_dirs)
    for item, slot in zip(cards, card_slots(len(cards)), strict=True):
        if slot.page + 1 > sheet.pdf.pages_count:
            sheet.pdf.add_page()
            sheet.crop_marks()
        sheet.card(item, slot)
    return bytes(sheet.pdf.output())


def write_cards_pdf(
    cards: Sequence[PrintableCard],
    path: str | os.PathLike[str],
    *,
    font_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> Path:
    """Write the PDF atomically (a half-written file is never left behind) and return its path."""
    target = Path(path)
    data = render_cards_pdf(cards, font_dirs=font_dirs)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target
