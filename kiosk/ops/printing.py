"""Printing a receipt or a balance slip, off the GUI thread.

The entry is committed before anything is printed, and nothing about a payment depends on
its receipt: a printer that is missing or breaks off fails the print op (a PrinterError whose
text ends "De betaling is wel gedaan." / "The payment itself went through."), never the
payment. The target is the device's (`DeviceOptions.printer`: `file:...`, `net:...`,
`pdf:...`, see kiosk/printing/receipts.py); without one, `available` is False and the screens
hide their print button.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.ops.runner import OpHandle, OpRunner
from kiosk.printing.receipts import PrinterTarget, Receipt, parse_printer_target, print_receipt

__all__ = ["PrintOps"]


class PrintOps:
    def __init__(self, runner: OpRunner, target: str | None) -> None:
        self._runner = runner
        # Parsed once, at start: a bad target string fails the device's start with its words.
        self.target: PrinterTarget | None = None if target is None else parse_printer_target(target)

    @property
    def available(self) -> bool:
        return self.target is not None

    def print(self, receipt: Receipt) -> OpHandle[Path | None]:
        """Print on the printer thread; the result is the PDF written, for a `pdf:` target."""
        return self._runner.print(lambda: self.print_now(receipt), name="print")

    def print_now(self, receipt: Receipt) -> Path | None:
        if self.target is None:
            return None
        return print_receipt(receipt, self.target)
