"""Receipts: a payment, a refund and a resident's balance slip, printed on an ESC/POS receipt
printer (a device file or a network printer) or written as an 80 mm PDF.

Qt-free. A receipt is laid out once as lines of text (`receipt_lines`), in the receipt's own
language; the ESC/POS and PDF renderers draw those same lines, so what a test reads back from
either is what a person gets. Accents print: python-escpos picks, character by character, a
code page the printer profile has (CP437 for é and Ü, CP1252 for € and —) and sends the switch.

Printing comes after the payment is committed and never decides it: a printer that is gone,
refuses the connection or breaks off raises a `PrinterError` (Dutch and English text), and
the payment stands. `print_receipt` blocks for up to `timeout_s` on a network printer (and a
USB printer that is switched off can block its device file), so the UI calls it off the GUI
thread.
"""

from __future__ import annotations

import contextlib
import enum
import ipaddress
import os
import re
import socket
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from io import BufferedWriter
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from kiosk.core.amounts import CENTS_PER_HEITJE, format_amount
from kiosk.core.days import local
from kiosk.core.errors import HeitjeError, Lang

if TYPE_CHECKING:
    from escpos.escpos import Escpos

# python-escpos and fpdf2 are imported where a receipt is printed, not at start-up: together
# they are about half a second of a kiosk's cold start, and most starts print nothing.

__all__ = [
    "COLUMNS",
    "DEFAULT_PORT",
    "BalanceSlip",
    "FilePrinter",
    "HistoryItem",
    "Line",
    "NetworkPrinter",
    "PaymentReceipt",
    "PdfFolder",
    "PrinterError",
    "PrinterTarget",
    "Receipt",
    "RefundReceipt",
    "Style",
    "parse_printer_target",
    "print_escpos",
    "print_receipt",
    "receipt_lines",
    "receipt_text",
    "render_receipt_pdf",
    "short_tx_id",
    "write_receipt_pdf",
]

COLUMNS: Final = 42  # font A on an 80 mm printer (python-escpos' default profile says the same)
DEFAULT_PORT: Final = 9100  # the raw printing port every network receipt printer listens on
HISTORY_MAX: Final = 10  # transactions on a balance slip


class PrinterError(HeitjeError):
    """The receipt was not printed (the payment it belongs to stands)."""


# -- the receipts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentReceipt:
    """A spend at a counter, printed after its entry is committed."""

    shop_name: str
    device_name: str
    at_ms: int  # the entry's wall time, epoch milliseconds
    amount: int  # cents of a heitje
    remaining: int  # the balance the resident can still spend here after this payment
    tx_id: str
    lang: Lang = "nl"


@dataclass(frozen=True)
class RefundReceipt:
    """Money back from the shop's till to the wallet of an earlier spend."""

    shop_name: str
    device_name: str
    at_ms: int
    amount: int
    remaining: int  # the balance after the refund
    tx_id: str
    original_tx_id: str  # the spend this refund returns (part of)
    lang: Lang = "nl"


@dataclass(frozen=True)
class HistoryItem:
    """One line of a balance slip: when, what in words ("Bakker Jansen"), and the signed amount
    (negative for a spend)."""

    at_ms: int
    what: str
    amount: int


@dataclass(frozen=True)
class BalanceSlip:
    """A resident's balance and last transactions, printed at the kiosk. Not a receipt."""

    place_name: str  # the neighbourhood centre
    device_name: str
    at_ms: int
    balance: int
    history: Sequence[HistoryItem]  # newest first; the slip shows at most HISTORY_MAX
    lang: Lang = "nl"


Receipt = PaymentReceipt | RefundReceipt | BalanceSlip

_WORDS: Final[dict[str, tuple[str, str]]] = {
    "payment": ("Betaling", "Payment"),
    "refund": ("Terugbetaling", "Refund"),
    "slip": ("Saldo-overzicht", "Balance slip"),
    "date": ("Datum", "Date"),
    "amount": ("Bedrag", "Amount"),
    "refunded_amount": ("Terug", "Back"),
    "remaining": ("Saldo over", "Balance left"),
    "balance_now": ("Saldo nu", "Balance now"),
    "your_balance": ("Je saldo", "Your balance"),
    "paid": ("Betaald", "Paid"),
    "refunded": ("Terugbetaald", "Refunded"),
    "receipt_no": ("Bonnummer", "Receipt no."),
    "for_receipt": ("Voor bon", "For receipt"),
    "till": ("Kassa", "Till"),
    "device": ("Apparaat", "Device"),
    "latest": ("Laatste boekingen", "Latest transactions"),
    "none_yet": ("Nog geen boekingen.", "No transactions yet."),
    "thanks": ("Bedankt!", "Thank you!"),
    "not_a_receipt": ("Dit is geen betaalbewijs.", "This is not a proof of payment."),
    "heitje": ("heitje", "heitje"),
    "heitjes": ("heitjes", "heitjes"),
}
_MONTHS_EN: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def _w(key: str, lang: Lang) -> str:
    nl, en = _WORDS[key]
    return nl if lang == "nl" else en


def short_tx_id(tx_id: str) -> str:
    """The last 8 hex digits of the UUID, as "1A2B-3C4D" (to read aloud at the counter).
    The tail, not the head: tx ids are UUIDv7, whose first digits are the time and so are
    the same for every payment of the same minute."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", tx_id).upper()
    tail = digits[-8:] if len(digits) >= 8 else digits.rjust(8, "0")
    return f"{tail[:4]}-{tail[4:]}"


def _money(cents: int, lang: Lang) -> str:
    unit = _w("heitje" if abs(cents) == CENTS_PER_HEITJE else "heitjes", lang)
    return f"{format_amount(cents, lang)} {unit}"


def _when(ms: int, lang: Lang) -> str:
    """Wall-clock time in Amsterdam: "12-03-2026 14:05" or "12 Mar 2026 14:05"."""
    t = local(ms)
    if lang == "nl":
        return f"{t:%d-%m-%Y %H:%M}"
    return f"{t.day} {_MONTHS_EN[t.month - 1]} {t.year} {t:%H:%M}"


def _day(ms: int, lang: Lang) -> str:
    t = local(ms)
    return f"{t:%d-%m}" if lang == "nl" else f"{t.day} {_MONTHS_EN[t.month - 1]}"


# -- layout ------------------------------------------------------------------------------------


class Style(enum.Enum):
    TITLE = "title"  # double height, bold, centred: the shop's name
    BIG = "big"  # double width and height, bold: "Betaald", the balance
    BOLD = "bold"
    NORMAL = "normal"
    RULE = "rule"  # a line of dashes across the paper


@dataclass(frozen=True)
class Line:
    """One printed line. `right`, when set, is written flush right on the same line (a row of
    label and value)."""

    text: str
    style: Style = Style.NORMAL
    align: Literal["left", "center"] = "left"
    right: str = ""

    def width_factor(self) -> int:
        return 2 if self.style is Style.BIG else 1


def _clean(text: str) -> str:
    # NFC: a decomposed é (e + combining accent) has no code page; control characters would be
    # taken by the printer as commands.
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _wrapped(text: str, style: Style, align: Literal["left", "center"], columns: int) -> list[Line]:
    width = columns // (2 if style is Style.BIG else 1)
    parts = textwrap.wrap(_clean(text), width, break_long_words=True) or [""]
    return [Line(part, style, align) for part in parts]


def _row(label: str, value: str, columns: int, style: Style = Style.NORMAL) -> list[Line]:
    """Label left, value flush right; a long label wraps, with the value on its last line if
    there is room, else on line(s) of its own."""
    label, value = _clean(label), _clean(value)
    parts = textwrap.wrap(label, columns) or [""]
    lines = [Line(part, style) for part in parts[:-1]]
    if len(parts[-1]) + 1 + len(value) <= columns:
        return [*lines, Line(parts[-1], style, "left", value)]
    lines.append(Line(parts[-1], style))
    lines += [Line("", style, "left", part) for part in textwrap.wrap(value, columns)]
    return lines


def receipt_lines(receipt: Receipt, columns: int = COLUMNS) -> list[Line]:
    """The receipt as printed lines, in the receipt's language, each fitting `columns`."""
    lang = receipt.lang
    out: list[Line] = []
    rule = Line("-" * columns, Style.RULE)
    if isinstance(receipt, BalanceSlip):
        out += _wrapped(receipt.place_name, Style.TITLE, "center", columns)
        out += _wrapped(_w("slip", lang), Style.NORMAL, "center", columns)
        out += _row(_w("date", lang), _when(receipt.at_ms, lang), columns)
        out.append(rule)
        out += _wrapped(_w("your_balance", lang), Style.NORMAL, "center", columns)
        out += _wrapped(_money(receipt.balance, lang), Style.BIG, "center", columns)
        out.append(rule)
        out += _wrapped(_w("latest", lang), Style.BOLD, "left", columns)
        items = list(receipt.history)[:HISTORY_MAX]
        if not items:
            out += _wrapped(_w("none_yet", lang), Style.NORMAL, "left", columns)
        for item in items:
            sign = "+" if item.amount > 0 else ""
            what = f"{_day(item.at_ms, lang)} {item.what}"
            out += _row(what, sign + format_amount(item.amount, lang), columns)
        out.append(rule)
        out += _row(_w("device", lang), receipt.device_name, columns)
        out += _wrapped(_w("not_a_receipt", lang), Style.NORMAL, "center", columns)
        return out

    refund = isinstance(receipt, RefundReceipt)
    out += _wrapped(receipt.shop_name, Style.TITLE, "center", columns)
    out += _wrapped(_w("refund" if refund else "payment", lang), Style.NORMAL, "center", columns)
    out += _row(_w("date", lang), _when(receipt.at_ms, lang), columns)
    amount_label = _w("refunded_amount" if refund else "amount", lang)
    out += _row(amount_label, _money(receipt.amount, lang), columns, Style.BOLD)
    remaining_label = _w("balance_now" if refund else "remaining", lang)
    out += _row(remaining_label, _money(receipt.remaining, lang), columns)
    if isinstance(receipt, RefundReceipt):
        out += _row(_w("for_receipt", lang), short_tx_id(receipt.original_tx_id), columns)
    out.append(rule)
    out += _wrapped(_w("refunded" if refund else "paid", lang), Style.BIG, "center", columns)
    out.append(rule)
    out += _row(_w("receipt_no", lang), short_tx_id(receipt.tx_id), columns)
    out += _row(_w("till", lang), receipt.device_name, columns)
    out += _wrapped(_w("thanks", lang), Style.NORMAL, "center", columns)
    return out


def _text(line: Line, columns: int) -> str:
    width = columns // line.width_factor()
    if line.right:
        return line.text + " " * (width - len(line.text) - len(line.right)) + line.right
    if line.align == "center":
        return line.text.center(width).rstrip()
    return line.text


def receipt_text(receipt: Receipt, columns: int = COLUMNS) -> list[str]:
    """The receipt as plain text lines, as a fixed-width printer lays them out (centring
    included): for a preview on screen, and what tests compare the printed bytes with."""
    return [_text(line, columns) for line in receipt_lines(receipt, columns)]


# -- ESC/POS -----------------------------------------------------------------------------------


def print_escpos(receipt: Receipt, printer: Escpos, columns: int = COLUMNS) -> None:
    """Send `receipt` to an opened python-escpos printer, then feed and cut.

    Centring is done with spaces rather than the printer's alignment command, so every printer
    (and every reader of the bytes) puts the text in the same place."""
    printer.hw("INIT")
    for line in receipt_lines(receipt, columns):
        printer.set(
            bold=line.style in (Style.TITLE, Style.BIG, Style.BOLD),
            double_height=line.style in (Style.TITLE, Style.BIG),
            double_width=line.style is Style.BIG,
            normal_textsize=line.style not in (Style.TITLE, Style.BIG),
        )
        printer.textln(_text(line, columns))
    printer.set(bold=False, normal_textsize=True)
    printer.cut()


# -- where receipts go -------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePrinter:
    """A receipt printer behind a device file, such as /dev/usb/lp0."""

    path: Path

    def __str__(self) -> str:
        return f"file:{self.path}"


@dataclass(frozen=True)
class NetworkPrinter:
    """A receipt printer on the network (raw TCP, normally port 9100)."""

    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"net:{host}:{self.port}"


@dataclass(frozen=True)
class PdfFolder:
    """No printer: each receipt is written as a PDF file into this folder."""

    folder: Path

    def __str__(self) -> str:
        return f"pdf:{self.folder}"


PrinterTarget = FilePrinter | NetworkPrinter | PdfFolder

_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
_TARGET_HELP_NL: Final = (
    "Schrijf file:/dev/usb/lp0 (printer aan de computer), net:192.168.1.50:9100 "
    "(printer in het netwerk) of pdf:/map/voor/bonnen."
)
_TARGET_HELP_EN: Final = (
    "Write file:/dev/usb/lp0 (a printer on this computer), net:192.168.1.50:9100 "
    "(a network printer) or pdf:/folder/for/receipts."
)


def _bad_target(text: str, why_nl: str, why_en: str) -> PrinterError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return PrinterError(
        "printer_target_unreadable",
        f"Printer '{shown}' begrijp ik niet: {why_nl} {_TARGET_HELP_NL}",
        f"Cannot read printer '{shown}': {why_en} {_TARGET_HELP_EN}",
    )


def _parse_host(text: str, raw: str) -> str:
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise _bad_target(
                text,
                "de ] na het IPv6-adres ontbreekt.",
                "the ] after the IPv6 address is missing.",
            )
        try:
            return str(ipaddress.IPv6Address(raw[1:-1]))
        except ValueError:
            raise _bad_target(
                text, "dat is geen IPv6-adres.", "that is not an IPv6 address."
            ) from None
    if re.fullmatch(r"[0-9.]+", raw):
        try:
            return str(ipaddress.IPv4Address(raw))
        except ValueError:
            raise _bad_target(
                text, f"'{raw}' is geen IP-adres.", f"'{raw}' is not an IP address."
            ) from None
    if not _HOSTNAME.fullmatch(raw):
        raise _bad_target(
            text, f"'{raw}' is geen geldige computernaam.", f"'{raw}' is not a valid host name."
        )
    return raw.rstrip(".").lower()


def parse_printer_target(text: str) -> PrinterTarget:
    """ "file:/dev/usb/lp0", "net:HOST[:PORT]" (IPv6 in brackets; port 9100 when left out) or
    "pdf:FOLDER". Anything else, or a part that is not what it should be, is a PrinterError
    saying what is wrong and how to write it."""
    kind, sep, rest = text.partition(":")
    if not sep or kind not in ("file", "net", "pdf"):
        raise _bad_target(
            text,
            "het moet beginnen met file:, net: of pdf:.",
            "it must start with file:, net: or pdf:.",
        )
    if rest != rest.strip() or not rest or any(not ch.isprintable() for ch in rest):
        raise _bad_target(
            text,
            "na de dubbele punt moet een pad of adres staan, zonder spaties eromheen.",
            "a path or address must follow the colon, without spaces around it.",
        )
    if kind in ("file", "pdf"):
        if "\x00" in rest or not os.path.isabs(rest):
            raise _bad_target(
                text,
                "het pad moet volledig zijn (beginnen met /).",
                "the path must be absolute (start with /).",
            )
        return FilePrinter(Path(rest)) if kind == "file" else PdfFolder(Path(rest))
    port = DEFAULT_PORT
    match = re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]+)(?::([^:]*))?", rest)
    if match is None:
        raise _bad_target(
            text,
            "schrijf het adres als HOST:POORT (IPv6 tussen [ en ]).",
            "write the address as HOST:PORT (IPv6 between [ and ]).",
        )
    host_part, port_part = match.group(1), match.group(2)
    if port_part is not None:
        if not re.fullmatch(r"[0-9]{1,5}", port_part) or not 1 <= int(port_part) <= 65535:
            raise _bad_target(
                text,
                f"poort '{port_part}' moet een getal van 1 tot 65535 zijn.",
                f"port '{port_part}' must be a number from 1 to 65535.",
            )
        port = int(port_part)
    return NetworkPrinter(_parse_host(text, host_part), port)


def _unreachable(target: PrinterTarget, exc: BaseException) -> PrinterError:
    detail = exc.__cause__ or exc
    reason = getattr(detail, "strerror", None) or type(detail).__name__
    if isinstance(target, NetworkPrinter):
        return PrinterError(
            "printer_unreachable",
            f"De bonprinter op {target.host}:{target.port} antwoordt niet ({reason}). "
            "Staat hij aan en zit de netwerkkabel erin? De betaling is wel gedaan.",
            f"The receipt printer at {target.host}:{target.port} does not answer ({reason}). "
            "Is it on and plugged into the network? The payment itself went through.",
        )
    return PrinterError(
        "printer_missing",
        f"De bonprinter {target} is niet te vinden of niet te openen ({reason}). "
        "Staat hij aan en zit de kabel erin? De betaling is wel gedaan.",
        f"The receipt printer {target} cannot be found or opened ({reason}). "
        "Is it on and plugged in? The payment itself went through.",
    )


def _broke_off(target: PrinterTarget, exc: BaseException) -> PrinterError:
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return PrinterError(
        "printer_broke_off",
        f"De bonprinter {target} stopte tijdens het printen ({reason}). "
        "Kijk of er papier in zit. De betaling is wel gedaan.",
        f"The receipt printer {target} stopped while printing ({reason}). "
        "Check the paper. The payment itself went through.",
    )


def print_receipt(
    receipt: Receipt, target: PrinterTarget, *, timeout_s: float = 5.0
) -> Path | None:
    """Print `receipt` on `target`; for a PdfFolder, the path of the PDF written. Raises a
    PrinterError (never an OSError) when the printer is not there or breaks off."""
    if isinstance(target, PdfFolder):
        stamp = f"{local(receipt.at_ms):%Y%m%d-%H%M%S}{receipt.at_ms % 1000:03d}"
        name = f"bon-{stamp}-{_receipt_id(receipt)}.pdf"
        try:
            return write_receipt_pdf(receipt, target.folder / name)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise PrinterError(
                "receipt_folder_unwritable",
                f"De bon kan niet in de map {target.folder} worden gezet ({reason}). "
                "Bestaat de map? De betaling is wel gedaan.",
                f"The receipt cannot be written to the folder {target.folder} ({reason}). "
                "Does the folder exist? The payment itself went through.",
            ) from exc
    from escpos.exceptions import Error as EscposError
    from escpos.printer import File, Network

    handle = _connect(target, timeout_s)
    printer: Escpos
    try:
        if isinstance(target, FilePrinter):
            printer = File(str(target.path), auto_flush=False)
        else:
            printer = Network(target.host, target.port, timeout=timeout_s)
        printer.device = handle
        try:
            print_escpos(receipt, printer)
        finally:
            printer.device = False  # the handle is ours to close, not the printer object's
        if not isinstance(handle, socket.socket):
            handle.flush()  # the whole receipt goes to the device here: its errors land here
    except (OSError, EscposError) as exc:
        raise _broke_off(target, exc) from exc
    finally:
        with contextlib.suppress(OSError):  # after a failed flush, close() fails again (and closes)
            handle.close()
    return None


def _connect(
    target: FilePrinter | NetworkPrinter, timeout_s: float
) -> BufferedWriter | socket.socket:
    """The open device file or connected socket. Opened here rather than by python-escpos'
    own open(), which leaves the socket or file open when connecting or writing fails."""
    try:
        if isinstance(target, NetworkPrinter):
            return socket.create_connection((target.host, target.port), timeout=timeout_s)
        # Never O_CREAT: a device file that is not there means the printer is unplugged, and
        # opening it for writing would quietly make an ordinary file instead. O_APPEND: an
        # ordinary file (a test, a spool) collects receipts like a paper roll.
        fd = os.open(target.path, os.O_WRONLY | os.O_APPEND)
        return open(fd, "wb")
    except OSError as exc:
        raise _unreachable(target, exc) from exc


def _receipt_id(receipt: Receipt) -> str:
    if isinstance(receipt, BalanceSlip):
        return "saldo" if receipt.lang == "nl" else "balance"
    return short_tx_id(receipt.tx_id)


# -- PDF ---------------------------------------------------------------------------------------

PDF_WIDTH_MM: Final = 80.0
_PDF_MARGIN_MM: Final = 4.0
# DejaVu Sans Mono: an advance of 0.602 em, so 42 columns at 8 pt fill the 72 mm between the
# margins, like font A on the paper roll.
_PDF_PT: Final = 8.0
_PDF_LINE_MM: Final = 4.0
_FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_LATIN_FALLBACK: Final = str.maketrans(
    {"€": "EUR", "—": "-", "–": "-", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"'}
)


def _mono_fonts() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSansMono.ttf"), Path(folder, "DejaVuSansMono-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _pdf_text(text: str, unicode: bool) -> str:
    if unicode:
        return text
    # The core fonts are Latin-1: keep the accents that exist there, spell € as EUR.
    folded = text.translate(_LATIN_FALLBACK)
    return (
        "".join(
            ch if ch.encode("latin-1", "ignore") else unicodedata.normalize("NFKD", ch)[:1]
            for ch in folded
        )
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def render_receipt_pdf(receipt: Receipt, columns: int = COLUMNS) -> bytes:
    """An 80 mm wide PDF of the receipt, one page as long as the receipt, in DejaVu Sans Mono
    (accents as written; the Courier core font, folded to Latin-1, where DejaVu is missing)."""
    lines = receipt_lines(receipt, columns)
    heights = [
        _PDF_LINE_MM * (2 if line.style in (Style.TITLE, Style.BIG) else 1) for line in lines
    ]
    page_h = 2 * _PDF_MARGIN_MM + sum(heights) + 10.0  # room for the tear-off, as on the roll
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(PDF_WIDTH_MM, page_h))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_PDF_MARGIN_MM, _PDF_MARGIN_MM, _PDF_MARGIN_MM)
    pdf.c_margin = 0
    pdf.set_creator("Heitje")
    pdf.set_title(receipt_text(receipt, columns)[0].strip() or "Heitje")
    fonts = _mono_fonts()
    if fonts is not None:
        pdf.add_font("Mono", "", fonts[0])
        pdf.add_font("Mono", "B", fonts[1])
        family = "Mono"
    else:
        family = "Courier"
    pdf.add_page()
    width = PDF_WIDTH_MM - 2 * _PDF_MARGIN_MM
    y = _PDF_MARGIN_MM
    for line, height in zip(lines, heights, strict=True):
        bold = "B" if line.style in (Style.TITLE, Style.BIG, Style.BOLD) else ""
        size = _PDF_PT * line.width_factor()
        pdf.set_font(family, bold, size)
        pdf.set_xy(_PDF_MARGIN_MM, y)
        if line.style is Style.RULE:
            pdf.set_line_width(0.3)
            pdf.set_dash_pattern(dash=1.2, gap=0.8)
            pdf.line(_PDF_MARGIN_MM, y + height / 2, _PDF_MARGIN_MM + width, y + height / 2)
            pdf.set_dash_pattern()
        else:
            align = "C" if line.align == "center" else "L"
            pdf.cell(width, height, _pdf_text(line.text, fonts is not None), align=align)
            if line.right:
                pdf.set_xy(_PDF_MARGIN_MM, y)
                pdf.cell(width, height, _pdf_text(line.right, fonts is not None), align="R")
        y += height
    return bytes(pdf.output())


def write_receipt_pdf(receipt: Receipt, path: str | os.PathLike[str]) -> Path:
    """Write the receipt's PDF atomically (never half a file) and return its path."""
    target = Path(path)
    data = render_receipt_pdf(receipt)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target
