"""Where ops run: ONE writer thread for everything that writes the ledger (as Anki's collection
executor), a small pool for reads, and handles whose callbacks come back on the GUI thread.

The caller never waits. `runner.write(fn)` queues `fn` on the writer and returns an `OpHandle`
at once; the screen says what to do with the result:

    counter.pay(serial, amount).success(show_paid).failure(show_refusal)

Both callbacks are delivered through the `call_on_gui` function the caller gave the runner (the
UI passes one that posts to Qt's event loop; tests pass a plain queue's `put` and run what
arrives). A failure is always a HeitjeError with Dutch and English text: an unexpected
exception is logged with its traceback and handed on as `internal_error`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from kiosk.core.errors import HeitjeError
from kiosk.ops.errors import device_closing, internal_error

log = logging.getLogger("kiosk.ops")

T = TypeVar("T")
CallOnGui = Callable[[Callable[[], object]], object]

WRITER_THREAD = "heitje-writer"
READER_THREAD = "heitje-reader"
PRINTER_THREAD = "heitje-printer"


class OpHandle(Generic[T]):
    """A running op. `success(fn)` gets its result, `failure(fn)` its HeitjeError; each is
    called at most once, on the GUI thread (through `call_on_gui`), never on a worker.

    Attach both in the same GUI-thread turn that started the op (as in the example above):
    the outcome is delivered in a later turn, so neither can be missed. One attached later
    still gets the outcome; a failure nobody was there for goes to `on_unhandled` (logged).
    """

    def __init__(
        self,
        future: Future[T],
        call_on_gui: CallOnGui,
        on_unhandled: Callable[[HeitjeError], None],
        name: str,
    ) -> None:
        self.name = name
        self._future = future
        self._call_on_gui = call_on_gui
        self._on_unhandled = on_unhandled
        self._lock = threading.Lock()
        self._success: list[Callable[[T], object]] = []
        self._failure: list[Callable[[HeitjeError], object]] = []
        self._delivered = False
        future.add_done_callback(self._done)

    @property
    def future(self) -> Future[T]:
        """For tests, benchmarks and command-line tools. A screen never waits on it."""
        return self._future

    def success(self, fn: Callable[[T], object]) -> OpHandle[T]:
        with self._lock:
            late = self._delivered
            if not late:
                self._success.append(fn)
        if late and self._future.exception() is None:
            result = self._future.result()
            self._call_on_gui(lambda: fn(result))
        return self

    def failure(self, fn: Callable[[HeitjeError], object]) -> OpHandle[T]:
        with self._lock:
            late = self._delivered
            if not late:
                self._failure.append(fn)
        if late and (exc := self._future.exception()) is not None:
            error = _as_heitje(exc)
            self._call_on_gui(lambda: fn(error))
        return self

    def _done(self, _future: Future[T]) -> None:
        # On the worker thread (or the caller's, if it was already done): hand over.
        self._call_on_gui(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            self._delivered = True
            success, failure = list(self._success), list(self._failure)
            self._success.clear()
            self._failure.clear()
        exc = self._future.exception()
        if exc is None:
            result = self._future.result()
            for fn in success:
                fn(result)
            return
        error = _as_heitje(exc)
        if not failure:
            self._on_unhandled(error)
        for handler in failure:
            handler(error)


def _as_heitje(exc: BaseException) -> HeitjeError:
    return exc if isinstance(exc, HeitjeError) else internal_error(exc)


def _log_unhandled(error: HeitjeError) -> None:
    log.warning("op failed and nobody handled it: %s", error)


class OpRunner:
    """The writer thread, the reader pool, and the function that reaches the GUI thread."""

    def __init__(
        self,
        call_on_gui: CallOnGui,
        *,
        readers: int = 2,
        on_unhandled: Callable[[HeitjeError], None] = _log_unhandled,
    ) -> None:
        if readers < 1:
            raise ValueError("readers must be at least 1")
        self.call_on_gui = call_on_gui
        self._on_unhandled = on_unhandled
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WRITER_THREAD)
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix=READER_THREAD)
        # A printer that is off can block for seconds: it gets its own thread, so it never
        # holds up a read or a payment.
        self._printer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=PRINTER_THREAD)
        self._writer_ident: int | None = None
        self._closed = False

    def write(self, fn: Callable[[], T], *, name: str) -> OpHandle[T]:
        """Queue `fn` on the one writer thread; writes run one at a time, in call order."""
        return self._submit(self._writer, self._on_writer(fn), name)

    def read(self, fn: Callable[[], T], *, name: str) -> OpHandle[T]:
        """Run `fn` on the reader pool (reads may run side by side, and beside a write)."""
        return self._submit(self._readers, fn, name)

    def print(self, fn: Callable[[], T], *, name: str) -> OpHandle[T]:
        """Run `fn` (talking to a receipt printer) on the printer thread."""
        return self._submit(self._printer, fn, name)

    def on_writer_thread(self) -> bool:
        return threading.get_ident() == self._writer_ident

    def _on_writer(self, fn: Callable[[], T]) -> Callable[[], T]:
        def run() -> T:
            self._writer_ident = threading.get_ident()
            return fn()

        return run

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[], T], name: str) -> OpHandle[T]:
        if self._closed:
            future: Future[T] = Future()
            future.set_exception(device_closing())
        else:
            future = pool.submit(_logged(fn, name))
        return OpHandle(future, self.call_on_gui, self._on_unhandled, name)

    def close(self) -> None:
        """Finish what is queued (a queued payment is never dropped), then stop the threads."""
        self._closed = True
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self._printer.shutdown(wait=True, cancel_futures=True)


def _logged(fn: Callable[[], T], name: str) -> Callable[[], T]:
    def run() -> T:
        try:
            return fn()
        except HeitjeError:
            raise
        except Exception:
            log.exception("op %s failed unexpectedly", name)
            raise

    return run
