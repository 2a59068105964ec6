"""The audit log is append-only in the database itself: UPDATE, DELETE (and TRUNCATE on
PostgreSQL) are refused by triggers, even as direct SQL by the application's own database
user, outside the application. And every back-office change writes its row (both
databases)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import Engine, insert, make_url, select, text
from sqlalchemy.exc import DBAPIError

from kiosk.server import tables as t
from kiosk.server.backoffice import audit
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.db import VERSION_TABLE, alembic_config, open_engine
from tests.server.backoffice.kit import Office

REFUSAL = "append-only"


def rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(t.audit_log).order_by(t.audit_log.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def write_row(office: Office) -> None:
    with office.live.server.write() as conn:
        audit_change(
            conn,
            audit.system(office.live.clock.now_ms()),
            "test.change",
            {"status": "active"},
            {"status": "blocked"},
            subject="resident:r-1",
        )


@contextmanager
def raw_connection(url: str) -> Iterator[Any]:
    """A plain DBAPI connection of the application's database user, outside SQLAlchemy."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database), isolation_level=None)
    else:
        conn = psycopg.connect(
            parsed.set(drivername="postgresql").render_as_string(hide_password=False),
            autocommit=True,
        )
    try:
        yield conn
    finally:
        conn.close()


def test_no_sql_can_change_or_delete_an_audit_row(office: Office, db_url: str) -> None:
    write_row(office)
    engine = office.live.server.engine
    before = rows(engine)
    assert len(before) >= 1
    statements = [
        "UPDATE audit_log SET event = 'forged'",
        "UPDATE audit_log SET after_json = NULL WHERE event = 'test.change'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE event = 'test.change'",
    ]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
        statements.append("TRUNCATE audit_log RESTART IDENTITY CASCADE")
    for sql in statements:
        # through the application's own engine ...
        with pytest.raises(DBAPIError, match=REFUSAL), engine.begin() as conn:
            conn.execute(text(sql))
        # ... and on a bare connection of the same database user
        with raw_connection(db_url) as raw, pytest.raises(Exception, match=REFUSAL):
            raw.execute(sql)
    assert rows(engine) == before
    # appending still works
    write_row(office)
    assert len(rows(engine)) == len(before) + 1


def test_a_refused_change_takes_its_transaction_with_it(office: Office) -> None:
    """A back-office change that tried to tidy the audit log away commits nothing."""
    write_row(office)
    engine = office.live.server.engine
    with pytest.raises(DBAPIError, match=REFUSAL), office.live.server.write() as conn:
        conn.execute(insert(t.neighbourhoods).values(id="nb-9", name="Noord"))
        conn.execute(text("DELETE FROM audit_log"))
    with engine.connect() as conn:
        assert conn.execute(select(t.neighbourhoods.c.id)).all() == []


def test_back_office_changes_write_who_what_when_before_after(office: Office) -> None:
    admin_id = office.add_user("anna", "admin")
    admin = office.session_for(admin_id)
    bram = office.add_user("bram", "finance")
    office.live.clock.advance(5_000)
    token = office.csrf(admin, "/office/users")
    assert (
        admin.post(f"/office/users/{bram}/disable", data={"csrf_token": token}).status_code == 303
    )
    row = rows(office.live.server.engine)[-1]
    assert row["event"] == "user.disable"
    assert row["actor"] == f"user:{admin_id}" and row["user_id"] == admin_id
    assert row["at"] == office.live.clock.now_ms()
    assert json.loads(row["detail"]) == {"subject": f"user:{bram}"}
    assert json.loads(row["before_json"])["active"] is True
    after = json.loads(row["after_json"])
    assert after["active"] is False and after["sessions_ended"] == 0
    assert "password_hash" not in row["before_json"] + row["after_json"]
    # and the admin finds it on the audit page
    page = admin.get("/office/audit", params={"q": "user.disable"})
    assert page.status_code == 200 and "user.disable" in page.text


def test_the_servers_own_audit_rows_name_their_device(office: Office) -> None:
    server = office.live.server
    with server.write() as conn:
        server.audit(conn, "revoke", {"reason": "lost"}, device_id="dev-1")
        server.audit(conn, "grant", {"amount": 5})
    revoke, grant = rows(server.engine)[-2:]
    assert revoke["actor"] == "device:dev-1" and revoke["user_id"] is None
    assert grant["actor"] == "system"


def test_what_must_be_short_and_given(office: Office) -> None:
    with office.live.server.write() as conn:
        for what in ("", "x" * 41):
            with pytest.raises(ValueError, match=r"1\.\.40"):
                audit_change(conn, audit.system(0), what, None, None)


def test_rows_from_before_the_migration_get_their_device(db_url: str) -> None:
    """s0003 on a database with audit rows: a device's event stays the device's, and the
    downgrade takes the triggers away again."""
    engine = open_engine(db_url)
    try:
        cfg = alembic_config()
        cfg.attributes["version_table"] = VERSION_TABLE

        def to(revision: str, down: bool = False) -> None:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)

        to("s0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, event, severity, device_id, detail) VALUES "
                    "(1, 'fork', 'alert', 'dev-7', '{}'), (2, 'grant', 'info', NULL, '{}')"
                )
            )
        to("s0003")
        with engine.connect() as conn:
            actors = conn.execute(text("SELECT actor FROM audit_log ORDER BY id")).scalars()
            assert list(actors) == ["device:dev-7", "system"]
        with pytest.raises(DBAPIError, match=REFUSAL), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
        to("s0002", down=True)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = 2"))  # no triggers below s0003
    finally:
        engine.dispose()
