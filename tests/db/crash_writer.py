"""Child process for the crash test: writes entries as fast as it can into a data dir and
prints each tx_id only after its transaction committed. The parent SIGKILLs it at random."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.core import accounts as acc
from kiosk.device import open_device


def main() -> None:
    device = open_device(Path(sys.argv[1]))
    store = device.store
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        if n % 3:
            entry = store.adjust(acc.ISSUANCE, acc.wallet("r1"), 7, reason="crash", staff_id="t")
        else:
            entry = store.spend("r1", "m1", 5)
        print(entry.tx_id, flush=True)


if __name__ == "__main__":
    main()
