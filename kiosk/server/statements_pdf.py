"""A merchant's settlement statement as a PDF (fpdf2, no Qt): who pays whom, for which period,
spends minus refunds and review decisions, the euro amount at the rate, per day, and what is
held back in review. Dutch first, English under it, as every text the shops get."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Final

from fpdf import FPDF

from kiosk.core import days
from kiosk.server.settlement import DayLine, Settlement, SettlementConfig, Statement

_FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
)
_STATUS: Final = {
    "prepared": ("voorbereid, nog niet goedgekeurd", "prepared, not yet approved"),
    "approved": ("goedgekeurd", "approved"),
    "cancelled": ("geannuleerd", "cancelled"),
}


def _money(cents: int, sign: str = "") -> str:
    """1234567 -> "12.345,67" (Dutch notation)."""
    value = f"{Decimal(abs(cents)) / 100:,.2f}".replace(",", "_").replace(".", ",")
    return ("-" if cents < 0 else sign) + value.replace("_", ".")


def _when(ms: int | None) -> str:
    return days.local(ms).strftime("%Y-%m-%d %H:%M") if ms is not None else "-"


class _Doc:
    def __init__(self, font_dirs: Sequence[str | os.PathLike[str]] | None) -> None:
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(18, 15, 18)
        self.pdf.set_creator("Heitje")
        self.unicode = False
        for folder in font_dirs if font_dirs is not None else _FONT_DIRS:
            regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                self.pdf.add_font("Text", "", regular)
                self.pdf.add_font("Text", "B", bold)
                self.unicode = True
                break
        self.font = "Text" if self.unicode else "Helvetica"
        self.pdf.add_page()

    def clean(self, text: str) -> str:
        text = " ".join(text.split())
        if self.unicode:
            return text
        return "".join(
            ch
            if ch.encode("latin-1", "ignore")
            else unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode() or "?"
            for ch in text
        )

    def text(self, text: str, size: float = 10, *, bold: bool = False, h: float = 5.5) -> None:
        self.pdf.set_font(self.font, "B" if bold else "", size)
        self.pdf.multi_cell(0, h, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def table(
        self, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        self.pdf.set_font(self.font, "B", 8.5)
        for label, w in zip(head, widths, strict=True):
            self.pdf.cell(w, 6, self.clean(label), border="B", align="R" if w < 40 else "L")
        self.pdf.ln()
        self.pdf.set_font(self.font, "", 8.5)
        for row in rows:
            for value, w in zip(row, widths, strict=True):
                self.pdf.cell(w, 5, self.clean(value), align="R" if w < 40 else "L")
            self.pdf.ln()
        self.pdf.ln(2)


def render_statement(
    settlement: Settlement,
    statement: Statement,
    lines: Sequence[DayLine],
    config: SettlementConfig,
    *,
    names: Mapping[str, str] | None = None,
    font_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> bytes:
    """The PDF of `statement` (one merchant) in `settlement`, with its `lines` per day.
    `names` shows the users who prepared and approved it by name (user id -> username)."""
    who = names or {}
    approver = settlement.approved_by
    doc = _Doc(font_dirs)
    doc.pdf.set_title(f"Heitje afrekening {settlement.id} - {statement.merchant_name}")
    period = f"{settlement.period.first.isoformat()} t/m {settlement.period.last.isoformat()}"
    doc.text("Heitje - afrekening voor uw winkel", 16, bold=True, h=8)
    doc.text("Heitje - settlement statement for your shop", 11, h=6)
    doc.pdf.ln(3)
    status_nl, status_en = _STATUS.get(settlement.status, (settlement.status, settlement.status))
    for nl, en, value in (
        ("Winkel", "Shop", f"{statement.merchant_name} ({statement.merchant_id})"),
        (
            "Rekening (IBAN)",
            "Account (IBAN)",
            statement.iban + (f"  BIC {statement.bic}" if statement.bic else ""),
        ),
        ("Periode", "Period", period),
        ("Afrekening", "Settlement", f"nr. {settlement.id}, {status_nl} / {status_en}"),
        (
            "Voorbereid door",
            "Prepared by",
            f"{who.get(settlement.prepared_by, settlement.prepared_by)}, "
            f"{_when(settlement.prepared_at)}",
        ),
        (
            "Goedgekeurd door",
            "Approved by",
            f"{who.get(approver, approver) if approver else '-'}, {_when(settlement.approved_at)}",
        ),
        ("Betaald door", "Paid by", f"{config.debtor_name}, {config.debtor_iban}"),
    ):
        doc.text(f"{nl} / {en}: {value}", 9.5, h=5)
    doc.pdf.ln(3)
    rate = f"{settlement.rate_heitje_cents} cent heitje = {settlement.rate_euro_cents} eurocent"
    summary = [
        ("Betalingen / Spends", str(statement.spends), _money(statement.spent)),
        ("Terugbetalingen / Refunds", str(statement.refunds), _money(-statement.refunded)),
        (
            "Besluiten na controle / Review decisions",
            str(statement.adjustments),
            _money(statement.adjusted),
        ),
        ("Totaal in heitjes / Total in heitjes", "", _money(statement.heitje_cents)),
        (f"Koers / Rate: {rate}", "", ""),
        ("Wij maken over / We transfer (EUR)", "", _money(statement.euro_cents)),
    ]
    doc.table(["", "aantal / count", "heitjes"], [list(r) for r in summary], [110, 30, 34])
    if statement.earlier:
        doc.text(
            f"Hierin zitten {statement.earlier} boekingen van voor deze periode "
            f"({_money(statement.earlier_amount)} heitjes) die nog niet waren afgerekend: later "
            f"gesynchroniseerd, of vrijgegeven na controle. / This includes {statement.earlier} "
            f"entries from before this period ({_money(statement.earlier_amount)} heitjes) not "
            f"settled before: synced late, or released after review.",
            8.5,
            h=4.5,
        )
    if statement.held:
        doc.text(
            f"Nog in controle, niet in deze afrekening: {statement.held} betalingen, "
            f"{_money(statement.held_amount)} heitjes. Na het besluit komen ze in een volgende "
            f"afrekening. / Still in review, not in this settlement: {statement.held} spends, "
            f"{_money(statement.held_amount)} heitjes. Once decided they go into a later one.",
            8.5,
            h=4.5,
        )
    doc.pdf.ln(2)
    doc.text("Per dag / Per day", 11, bold=True, h=7)
    doc.table(
        ["dag / day", "betalingen", "heitjes", "terug", "heitjes", "besluiten", "heitjes"],
        [
            [
                line.day,
                str(line.spends),
                _money(line.spent),
                str(line.refunds),
                _money(-line.refunded),
                str(line.adjustments),
                _money(line.adjusted),
            ]
            for line in lines
        ],
        [40, 22, 26, 18, 24, 20, 24],
    )
    doc.text(
        f"Gemaakt op / Made on {_when(settlement.approved_at or settlement.prepared_at)}. "
        "Vragen? Neem contact op met de afdeling Financiën van de gemeente. / Questions? "
        "Contact the municipality's finance team.",
        8,
        h=4.5,
    )
    return bytes(doc.pdf.output())
