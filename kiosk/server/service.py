"""The server, put together: one object over the shared parts (kiosk.server.context) that
the API, the CLI, the admin functions and the tests call. Each concern lives in its module:

* kiosk.server.enrolment  enrolment codes (role, name, bindings) and enrolment
* kiosk.server.devices    revoke, reinstate, list, a device's chain head
* kiosk.server.ingest     batches: authenticity first, then each entry's effect
* kiosk.server.rules      what each entry kind may do (pure; no SQL)
* kiosk.server.snapshots  signed, role-filtered snapshots for authenticated devices

No HTTP here (see app.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from kiosk.core import roles
from kiosk.core.entries import Entry, Kind
from kiosk.server import chain_copy, devices, enrolment, ingest, snapshots
from kiosk.server.context import DeviceView, ServerCore
from kiosk.sync.protocol import Ack, Batch, ChainCopy, DeviceCertificate, EnrolRequest, Snapshot


class Server(ServerCore):
    """One server instance: the database engine, the municipality key and the settings."""

    def create_enrol_code(
        self, role: str, name: str, bindings: roles.Bindings | None = None
    ) -> str:
        return enrolment.create_enrol_code(self, role, name, bindings)

    def enrol(self, req: EnrolRequest) -> DeviceCertificate:
        return enrolment.enrol(self, req)

    def set_device_status(self, device_id: str, status: str, reason: str = "") -> bool:
        return devices.set_device_status(self, device_id, status, reason)

    def list_devices(self) -> list[dict[str, Any]]:
        return devices.list_devices(self)

    def head(self, device_id: str) -> Ack:
        return devices.head(self, device_id)

    def ingest(self, batch: Batch) -> Ack:
        return ingest.ingest(self, batch)

    def append_server_entry(
        self,
        conn: Connection,
        version: int,
        kind: Kind,
        *,
        debit: str | None = None,
        credit: str | None = None,
        amount: int = 0,
        refs: dict[str, str | int] | None = None,
    ) -> Entry:
        return ingest.append_server_entry(
            self, conn, version, kind, debit=debit, credit=credit, amount=amount, refs=refs
        )

    def authenticate_snapshot_request(
        self, headers: Mapping[str, str], since: int | None
    ) -> DeviceView:
        return snapshots.authenticate(self, headers, since)

    def own_chain(self, device_id: str, after: int, headers: Mapping[str, str]) -> ChainCopy:
        return chain_copy.own_chain(self, device_id, after, headers)

    def snapshot_for(self, device: DeviceView, since: int | None = None) -> Snapshot:
        return snapshots.build(self, device, since)

    def snapshot_of_device(self, device_id: str, since: int | None = None) -> Snapshot:
        """The snapshot `device_id` would get (admin and tests; no request signature)."""
        with self.engine.connect() as conn:
            device = self.device_view(conn, device_id)
        return snapshots.build(self, device, since)
