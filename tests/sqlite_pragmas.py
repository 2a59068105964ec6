"""What every SQLite connection of the device and the server must run with (kiosk/sql.py),
and a check of one live DBAPI connection against it."""

from __future__ import annotations

import sqlite3

# PRAGMA synchronous answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
EXPECTED = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def pragma_problems(dbapi_conn: sqlite3.Connection) -> dict[str, object]:
    """The pragmas of `dbapi_conn` that differ from EXPECTED, with the value found."""
    found = {name: dbapi_conn.execute(f"PRAGMA {name}").fetchone()[0] for name in EXPECTED}
    return {name: value for name, value in found.items() if value != EXPECTED[name]}


def database_file(dbapi_conn: sqlite3.Connection) -> str:
    return str(dbapi_conn.execute("PRAGMA database_list").fetchone()[2])
