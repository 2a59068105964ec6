"""Read back what was sent to an ESC/POS printer: the text lines as the paper shows them, with
their print mode, and the cuts.

Independent of python-escpos: the commands are parsed from the ESC/POS reference, code page
numbers are looked up in the printer profile's table (the printer's, not the encoder's, side)
and decoded with Python's own codecs. A command this reader does not know is an error, so a
renderer that starts sending something new makes the tests look at it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from escpos.capabilities import get_profile

ESC, GS, LF, CR = 0x1B, 0x1D, 0x0A, 0x0D
# ESC commands with one argument byte: print mode, bold, align, font, underline, code page,
# feed n lines, upside down, double strike, feed n dots, line spacing.
_ESC_ONE = frozenset(b"!EaM-td{GJ3")
_ESC_NONE = frozenset(b"@2")  # initialise, default line spacing
_GS_ONE = frozenset(b"!Bb")  # character size, reverse, smoothing


@dataclass(frozen=True)
class PrintedLine:
    text: str
    bold: bool
    double_height: bool
    double_width: bool


@dataclass
class Readback:
    lines: list[PrintedLine] = field(default_factory=list)
    cuts: int = 0
    code_pages: list[str] = field(default_factory=list)  # every code page switched to, in order
    initialised: bool = False

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def read_escpos(data: bytes, profile: str | None = None) -> Readback:
    pages = {int(num): name for name, num in get_profile(profile).get_code_pages().items()}
    out = Readback()
    codec = "cp437"  # what ESC @ (and power-on) selects: code page 0
    bold = dh = dw = False
    text = bytearray()
    pending: list[tuple[bytes, str]] = []  # the line's byte runs with the code page of each

    def flush_run() -> None:
        if text:
            pending.append((bytes(text), codec))
            text.clear()

    def end_line() -> None:
        flush_run()
        decoded = "".join(run.decode(name) for run, name in pending)
        out.lines.append(PrintedLine(decoded, bold, dh, dw))
        pending.clear()

    i = 0
    while i < len(data):
        b = data[i]
        if b == ESC:
            cmd = data[i + 1]
            if cmd in _ESC_NONE:
                if cmd == ord("@"):
                    out.initialised = True
                    flush_run()
                    codec, bold, dh, dw = "cp437", False, False, False
                i += 2
                continue
            if cmd not in _ESC_ONE:
                raise AssertionError(f"unknown command ESC {chr(cmd)!r} at byte {i}")
            arg = data[i + 2]
            if cmd == ord("!"):
                flush_run()
                bold, dh, dw = bool(arg & 0x08), bool(arg & 0x10), bool(arg & 0x20)
            elif cmd == ord("E"):
                bold = bool(arg & 1)
            elif cmd == ord("t"):
                flush_run()
                name = pages[arg]
                codec = codecs.lookup(name).name
                out.code_pages.append(name)
            elif cmd == ord("d") and arg:
                # feed n lines: blank paper, not text
                pass
            i += 3
        elif b == GS:
            cmd = data[i + 1]
            if cmd == ord("V"):
                mode = data[i + 2]
                out.cuts += 1
                i += 4 if mode in (65, 66) else 3
            elif cmd in _GS_ONE:
                if cmd == ord("!"):
                    arg = data[i + 2]
                    dw, dh = arg >> 4 > 0, arg & 0x0F > 0
                i += 3
            else:
                raise AssertionError(f"unknown command GS {chr(cmd)!r} at byte {i}")
        elif b == LF:
            end_line()
            i += 1
        elif b == CR:
            i += 1
        elif b < 0x20 or b == 0x7F:
            raise AssertionError(f"control byte {b:#04x} at byte {i} in the text")
        else:
            text.append(b)
            i += 1
    if text or pending:
        end_line()  # text not yet ended by a line feed: the printer holds it, we show it
    return out
