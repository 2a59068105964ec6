"""The composition root: one device, built once from its data folder and handed to the screens.

    device = build_device(data_dir, call_on_gui)      # the UI passes Qt's "call on the GUI thread"
    device.counter.pay(serial, 350).success(...).failure(...)
    ...
    device.close()                                     # stops everything it started

It opens the key and the migrated ledger (kiosk/device.py), reads the certificate's role and
bindings, builds the runner (one writer thread, a small reader pool), the event hub, the sync
loop (enrolled devices: it starts at once), the Qt-free scanning parts and the ops the role
allows: `kiosk` (resident-kiosk), `counter` (merchant-counter), `desk` (klusbox-desk),
`inspector` (inspector); the others are None. `staff` (staff cards and their PINs) is there
for every role. The role comes from the certificate; a device that was never enrolled takes
`demo_role` (and `demo_merchant` for a counter) from the caller — for the demo only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection, func, select

from kiosk.backup import RESTORE_MARKER, BackupSchedule, restore_pending
from kiosk.core import roles
from kiosk.core.cards import Card
from kiosk.core.clock import Clock, SystemClock
from kiosk.db import ops_queries as oq
from kiosk.db import sync_queries as q
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.ops_queries import read_only
from kiosk.db.sync_models import SyncRefused
from kiosk.device import DeviceHandle, open_device
from kiosk.ops import errors as err
from kiosk.ops.context import OpsConfig, OpsContext
from kiosk.ops.counter import CounterOps
from kiosk.ops.desk import DeskOps
from kiosk.ops.events import EventHub, RefusalsArrived, SnapshotApplied, SyncStatusChanged
from kiosk.ops.inspector import InspectorOps
from kiosk.ops.printing import PrintOps
from kiosk.ops.resident import KioskOps
from kiosk.ops.results import DeviceStatus
from kiosk.ops.runner import CallOnGui, OpHandle, OpRunner
from kiosk.ops.scanning import ScanParts, build_scan_parts
from kiosk.ops.staff import StaffOps
from kiosk.ops.words import role_words
from kiosk.scan.sources import FrameSource
from kiosk.sync.client import SyncClient
from kiosk.sync.loop import INTERVAL_S, SyncLoop, SyncStatus

log = logging.getLogger("kiosk.ops")


@dataclass(frozen=True)
class DeviceOptions:
    demo_role: str | None = None  # only for a device that was never enrolled
    demo_merchant: str | None = None  # the shop of an unenrolled (demo) counter
    demo_neighbourhood: str | None = None  # the centre of an unenrolled kiosk or desk
    camera: str | FrameSource | None = None  # "camera", "camera:N", "video:P", "folder:P"
    camera_size: tuple[int, int] | None = None  # a webcam's resolution (None: the source's)
    decoder: str = "pipeline"  # kiosk.scan.factory.DECODER_NAMES
    printer: str | None = None  # "file:/dev/usb/lp0", "net:HOST[:PORT]", "pdf:FOLDER"
    backup_dir: Path | None = None  # a copy of the ledger every backup_every_s (kiosk/backup.py)
    backup_every_s: float = 24 * 3600.0
    sync: bool = True  # run the sync loop (enrolled devices)
    sync_interval_s: float = INTERVAL_S
    sync_timeout_s: float = 30.0
    readers: int = 2
    config: OpsConfig = field(default_factory=OpsConfig)
    clock: Clock | None = None


class Device:
    """One device with its ops; build it with build_device()."""

    def __init__(
        self,
        handle: DeviceHandle,
        call_on_gui: CallOnGui,
        options: DeviceOptions,
    ) -> None:
        self.handle = handle
        self.data_dir = handle.data_dir
        self.clock = options.clock or SystemClock()
        self.hub = EventHub()
        self.device_id = handle.store.device_id
        with read_only(handle.engine) as conn:
            signer = q.signing_role(conn, self.device_id)
            pinned = q.pinned_server(conn)
            self.name = oq.device_name(conn, self.device_id)
            snapshot = q.current_snapshot(conn)
            self._refused = _refused_count(conn)
        self._snapshot_version = None if snapshot is None else snapshot.version
        self.enrolled = signer is not None
        self.role, self.merchant_id, self.neighbourhoods = _role(signer, options)
        self.runner = OpRunner(call_on_gui, readers=options.readers)
        self.sync_client: SyncClient | None = None
        self.sync_loop: SyncLoop | None = None
        if pinned is not None and options.sync:
            self.sync_client = SyncClient(
                handle.engine, handle.key, self.clock, timeout_s=options.sync_timeout_s
            )
            self.sync_loop = SyncLoop(
                self.sync_client,
                clock=self.clock,
                interval_s=options.sync_interval_s,
                on_status=self._on_sync_status,
            )
        # A ledger put back from a backup writes nothing until the server's copy of its chain
        # was taken back (kiosk/backup.py, SyncClient.reconcile_restored): the first thing each
        # sync round does until it succeeds.
        if self.enrolled and restore_pending(self.data_dir) is not None:
            handle.store.blocked = err.restore_pending()
            if self.sync_client is not None:
                self.sync_client.before_sync = self._reconcile_restored
        self.ctx = OpsContext(
            store=handle.store,
            runner=self.runner,
            hub=self.hub,
            clock=self.clock,
            role=self.role,
            merchant_id=self.merchant_id,
            neighbourhoods=self.neighbourhoods,
            config=options.config,
            wake_sync=self.sync_now,
        )
        self.kiosk = KioskOps(self.ctx) if self.role == roles.RESIDENT_KIOSK else None
        self.desk = DeskOps(self.ctx) if self.role == roles.KLUSBOX_DESK else None
        self.inspector = InspectorOps(self.ctx) if self.role == roles.INSPECTOR else None
        self.staff = StaffOps(self.ctx)  # every role: overrides, the inspector, lockdown
        self.counter = (
            CounterOps(self.ctx, self.merchant_id)
            if self.role == roles.MERCHANT_COUNTER and self.merchant_id
            else None
        )
        self.scan: ScanParts = build_scan_parts(
            handle.engine,
            self.data_dir,
            options.camera,
            camera_size=options.camera_size,
            decoder=options.decoder,
        )
        self.printing = PrintOps(self.runner, options.printer)
        self.backups: BackupSchedule | None = None
        if options.backup_dir is not None:
            self.backups = BackupSchedule(
                self.data_dir, options.backup_dir, interval_s=options.backup_every_s
            )
        self._closed = False

    @property
    def restore_pending(self) -> bool:
        """Restored from a backup and not yet level with the server: nothing is signed."""
        return self.handle.store.blocked is not None

    @property
    def store(self) -> LedgerStore:
        """For tests and tools; screens use the ops, never the store."""
        return self.handle.store

    # -- status --------------------------------------------------------------------------------

    def status(self) -> OpHandle[DeviceStatus]:
        """For the status bar; after that, SyncStatusChanged events keep it current."""
        return self.runner.read(self.status_now, name="status")

    def status_now(self) -> DeviceStatus:
        base = self.sync_loop.status if self.sync_loop is not None else SyncStatus()
        now = self.clock.now_ms()
        with read_only(self.handle.engine) as conn:
            stored = q.stored_status(conn)
            waiting = q.count_unsynced(conn, self.device_id)
            snap = q.current_snapshot(conn)
        sync = replace(
            base,
            last_success_ms=stored.last_success_at,
            entries_waiting=waiting,
            snapshot_age_ms=None if snap is None else max(0, now - snap.server_time),
            snapshot_version=None if snap is None else snap.version,
        )
        return DeviceStatus(
            device_id=self.device_id,
            device_name=self.name,
            role=self.role,
            role_words=role_words(self.role),
            enrolled=self.enrolled,
            sync=sync,
        )

    def _reconcile_restored(self) -> None:
        # On the sync thread, before the round's upload.
        assert self.sync_client is not None
        self.sync_client.reconcile_restored()
        (self.data_dir / RESTORE_MARKER).unlink(missing_ok=True)
        self.handle.store.blocked = None
        self.sync_client.before_sync = None

    # -- scans -----------------------------------------------------------------------------------

    def check_scan(self, payload: str) -> OpHandle[Card]:
        """A hand scanner's payload -> the checked card (signature, revocation list), on a reader:
        the same check the camera's decoder thread runs, never on the GUI thread. A payload seen
        within the dedupe window fails with `repeat_scan` (one scan makes one action)."""
        return self.runner.read(lambda: self.check_scan_now(payload), name="check_scan")

    def check_scan_now(self, payload: str) -> Card:
        if not self.scan.deduper.accept(payload):
            raise err.repeat_scan()
        return self.scan.check(payload)

    def sync_now(self) -> None:
        """Ask the sync loop for a round now (after a sale); nothing without one."""
        if self.sync_loop is not None:
            self.sync_loop.wake()

    def _on_sync_status(self, status: SyncStatus) -> None:
        # On the sync thread: tell the listeners what this round changed.
        self.hub.emit(SyncStatusChanged(status))
        if status.snapshot_version is not None and status.snapshot_version != (
            self._snapshot_version
        ):
            self._snapshot_version = status.snapshot_version
            if self.counter is not None:
                self.counter.forget_names()
            self.hub.emit(SnapshotApplied(status.snapshot_version))
        with read_only(self.handle.engine) as conn:
            refused = _refused_count(conn)
        if refused > self._refused:
            new, self._refused = refused - self._refused, refused
            self.hub.emit(RefusalsArrived(new, refused))

    # -- lifetime --------------------------------------------------------------------------------

    def start(self) -> None:
        if self.sync_loop is not None:
            self.sync_loop.start()
        if self.backups is not None:
            self.backups.start()

    def close(self) -> None:
        """Finish queued writes, then stop the sync loop, the camera and the database."""
        if self._closed:
            return
        self._closed = True
        self.runner.close()
        if self.backups is not None:
            self.backups.stop()
        if self.sync_loop is not None:
            self.sync_loop.stop()
        if self.sync_client is not None:
            self.sync_client.close()
        self.scan.close()
        self.handle.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _refused_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(SyncRefused.__table__)).scalar_one())


def _role(
    signer: q.SigningRole | None, options: DeviceOptions
) -> tuple[str, str | None, frozenset[str]]:
    if signer is not None:
        if options.demo_role is not None and options.demo_role != signer.role:
            raise err.role_mismatch(signer.role, options.demo_role)
        return signer.role, signer.bindings.merchant_id, signer.bindings.neighbourhoods
    role = options.demo_role
    if role is None:
        nl, en = roles.ROLE_NAMES[roles.MERCHANT_COUNTER]
        raise err.role_needed(nl, en)
    if role not in roles.DEVICE_ROLES:
        raise err.unknown_role(role)
    if role == roles.MERCHANT_COUNTER and not options.demo_merchant:
        raise err.merchant_needed()
    hoods = frozenset({options.demo_neighbourhood}) if options.demo_neighbourhood else frozenset()
    return role, options.demo_merchant, hoods


def build_device(
    data_dir: Path,
    call_on_gui: CallOnGui,
    options: DeviceOptions | None = None,
    *,
    start: bool = True,
) -> Device:
    """Open the device in `data_dir` once, with the ops its role allows; `start` starts the
    sync loop (if the device is enrolled). `close()` stops everything."""
    options = options or DeviceOptions()
    handle = open_device(data_dir, options.clock)
    try:
        device = Device(handle, call_on_gui, options)
    except BaseException:
        handle.close()
        raise
    if start:
        device.start()
    return device
