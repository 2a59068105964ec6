"""`python -m kiosk backup`: copy the ledger now, list copies, put one back.

    python -m kiosk backup now --to DIR [--keep N]
    python -m kiosk backup list DIR
    python -m kiosk backup restore FILE          # the device must not be running

An enrolled device restored from a backup books nothing until its next sync round has taken
back its own entries from the server (kiosk/backup.py, SyncClient.reconcile_restored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.backup import BackupError, backup_ledger, restore_backup, restore_pending
from kiosk.db.engine import DB_FILENAME

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser("backup", help="back up the ledger, or restore a backup")
    sub = backup.add_subparsers(title="backup commands", metavar="ACTION", required=True)
    now = sub.add_parser("now", help="copy the ledger now (while the app runs, too)")
    now.add_argument("--to", type=Path, required=True, metavar="DIR", help="backup folder")
    now.add_argument("--keep", type=int, default=14, help="newest copies kept (14)")
    now.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    now.set_defaults(func=cmd_backup_now)
    listing = sub.add_parser("list", help="the copies in a backup folder, newest last")
    listing.add_argument("folder", type=Path, metavar="DIR")
    listing.set_defaults(func=cmd_backup_list)
    restore = sub.add_parser("restore", help="put a backup back (stop the app first)")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    restore.set_defaults(func=cmd_backup_restore)


def _refused(exc: BackupError) -> int:
    print(exc.message("nl"), file=sys.stderr)
    print(exc.message("en"), file=sys.stderr)
    return 1


def cmd_backup_now(args: argparse.Namespace) -> int:
    try:
        path = backup_ledger(args.data_dir, args.to, keep=args.keep)
    except BackupError as exc:
        return _refused(exc)
    print(path)
    return 0


def cmd_backup_list(args: argparse.Namespace) -> int:
    for path in sorted(Path(args.folder).glob("ledger-*.sqlite3")):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    try:
        kept = restore_backup(args.data_dir, args.file)
    except BackupError as exc:
        return _refused(exc)
    if kept.name != DB_FILENAME:
        print(f"the ledger it replaced is kept as {kept}")
    print(f"restored {args.file} into {args.data_dir}")
    if restore_pending(args.data_dir) is not None:
        print(
            "Het apparaat boekt weer zodra het de server heeft gesproken. / The device books "
            "again once it has spoken to the server."
        )
    return 0
