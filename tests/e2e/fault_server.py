"""Run the real server (`python -m kiosk.server ...`) with a server-side crash point.

`KIOSK_FAULT=server_before_commit`: SIGKILL inside the batch's database transaction, after
the entries are written but before the commit. `KIOSK_FAULT=server_after_commit`: SIGKILL
after the commit, before the ack is sent. Only the first batch that brings new entries
triggers it. The server code itself is untouched: the hook wraps its methods from outside.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from kiosk.server import ingest
from kiosk.server.__main__ import main


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(fault: str | None) -> None:
    if fault == "server_before_commit":
        apply_entries = ingest.apply_entries

        def dying_apply_entries(*args: Any, **kwargs: Any) -> Any:
            apply_entries(*args, **kwargs)
            _die()

        ingest.apply_entries = dying_apply_entries
    elif fault == "server_after_commit":
        apply = ingest._apply

        def dying_apply(*args: Any, **kwargs: Any) -> Any:
            ack = apply(*args, **kwargs)
            if ack.applied:
                _die()
            return ack

        ingest._apply = dying_apply


if __name__ == "__main__":
    install(os.environ.get("KIOSK_FAULT"))
    sys.exit(main(sys.argv[1:]))
