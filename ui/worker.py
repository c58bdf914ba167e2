"""The single database worker: every database call runs here, results come back as signals.

Anki's operation pattern (docs/architecture.md#how-a-write-reaches-the-database): a user action
becomes a small :class:`Op` — a function run
on ONE worker thread, then ``on_done(result)`` or ``on_error(exc)`` called on the GUI thread.
Widgets are touched only on the GUI thread. Expected failures (:class:`CareDeskError`) go to the
op's ``on_error`` or a plain message; anything else is a bug: logged without patient data
(:func:`careDesk.logs.log_unexpected`) and shown in a crash dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from careDesk.errors import CareDeskError

PROGRESS_DELAY_MS = 500
PROGRESS_POLL_MS = 100


class Cancelled(CareDeskError):
    """The user cancelled a long job; nothing after the last commit was written."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")


class Progress:
    """A thread-safe progress report a long job updates and the GUI polls (and may cancel)."""

    def __init__(self, label: str = "Working…") -> None:
        self._lock = threading.Lock()
        self.label = label
        self.done = 0
        self.total = 0
        self._cancelled = False
        self._finished = False

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        """Called by the job (worker thread); raises :class:`Cancelled` once the user cancels."""
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
            if label is not None:
                self.label = label
            if self._cancelled:
                raise Cancelled()

    def cancel(self) -> None:
        """Ask the job to stop at its next update."""
        with self._lock:
            self._cancelled = True

    def finish(self) -> None:
        """Mark the job over (called by the worker once the op returned or failed)."""
        with self._lock:
            self._finished = True

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def snapshot(self) -> tuple[str, int, int]:
        with self._lock:
            return self.label, self.done, self.total


@dataclass
class Op:
    """One unit of database work: ``fn()`` on the worker, then a callback on the GUI thread."""

    fn: Callable[[], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[CareDeskError], None] | None = None
    progress: Progress | None = None
    name: str = ""


class _Runner(QObject):
    """Lives on the worker thread and runs each op it is handed, in order.

    It receives only a ticket number and looks the op up in the shared table, which the GUI
    thread empties after the callback. So the last reference to an op (whose callbacks hold
    widgets) is always dropped on the GUI thread: Qt objects must never be destroyed on the
    worker thread.
    """

    finished = Signal(int, object, object)  # ticket, result, error

    def __init__(self, ops: dict[int, Op]) -> None:
        super().__init__()
        self._ops = ops

    @Slot(int)
    def run(self, ticket: int) -> None:
        fn = self._ops[ticket].fn
        try:
            result = fn()
        except BaseException as exc:  # every failure goes back to the GUI thread
            del fn
            self.finished.emit(ticket, None, exc)
            return
        del fn
        self.finished.emit(ticket, result, None)


class DbWorker(QObject):
    """The one database thread of the app, plus error routing and delayed progress."""

    _submit = Signal(int)
    #: Emitted on the GUI thread when an op raised an unexpected error (a bug).
    crashed = Signal(object)
    #: Emitted on the GUI thread for an expected error no op handled.
    failed = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("careDesk-db")
        self._ops: dict[int, Op] = {}
        self._tickets = 0
        self._runner = _Runner(self._ops)
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.finished.connect(self._on_finished)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._ops)

    def submit(self, op: Op, *, parent: QWidget | None = None) -> Op:
        """Queue ``op`` on the database thread; returns it (handy for progress)."""
        self._tickets += 1
        self._ops[self._tickets] = op
        if op.progress is not None:
            _DelayedProgress(op.progress, parent, self)
        self._submit.emit(self._tickets)
        return op

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[CareDeskError], None] | None = None,
        **kwargs: Any,
    ) -> Op:
        """Shorthand for ``submit(Op(fn, on_done, on_error))``."""
        parent = kwargs.pop("parent", None)
        return self.submit(Op(fn, on_done, on_error, **kwargs), parent=parent)

    @Slot(int, object, object)
    def _on_finished(self, ticket: int, result: Any, error: BaseException | None) -> None:
        op = self._ops[ticket]
        try:
            if error is None:
                if op.on_done is not None:
                    op.on_done(result)
            elif isinstance(error, CareDeskError):
                if op.on_error is not None:
                    op.on_error(error)
                elif not isinstance(error, Cancelled):
                    self.failed.emit(error.message)
            else:
                self.crashed.emit(error)
        except RuntimeError as exc:
            # The widget that asked was closed while its op ran (a chart tab closed, the app
            # locked): its answer has nowhere to go. Anything else is a bug.
            if not _widget_gone(exc):
                self.crashed.emit(exc)
        except Exception as exc:  # a bug in a GUI callback is still a bug, not a silent loss
            self.crashed.emit(exc)
        finally:
            if op.progress is not None:
                op.progress.finish()
            del self._ops[ticket]
            if not self._ops:
                self.idle.emit()

    def stop(self) -> None:
        """Finish every queued op (e.g. the sign-out), then end the thread (at exit).

        The quit is itself queued as the last op: quitting the thread's event loop directly
        could drop ops still waiting in it.
        """
        if not self._thread.isRunning():
            return
        thread = self._thread
        self.submit(Op(thread.quit))
        thread.wait()


def _widget_gone(exc: RuntimeError) -> bool:
    """Whether ``exc`` is Shiboken saying the callback's Qt object was already deleted."""
    return "already deleted" in str(exc)


class _DelayedProgress(QObject):
    """Shows a cancellable progress dialog only if the job is still running after ~0.5 s."""

    def __init__(self, progress: Progress, parent: QWidget | None, worker: DbWorker) -> None:
        super().__init__(worker)
        self._progress = progress
        self._parent = parent
        self._dialog: QProgressDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show)
        self._timer.start(PROGRESS_DELAY_MS)

    def _show(self) -> None:
        if self._progress.finished:
            self.deleteLater()
            return
        label, _done, _total = self._progress.snapshot()
        # The window that asked may have closed meanwhile: never parent to a deleted widget.
        # The window that asked may have closed meanwhile: never parent to a deleted widget.
        parent = self._parent if self._parent is not None and isValid(self._parent) else None
        dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
        dialog.setWindowTitle("careDesk")
        dialog.setAccessibleName("Progress")
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._progress.cancel)
        dialog.show()
        self._dialog = dialog
        self._timer.timeout.disconnect(self._show)
        self._timer.timeout.connect(self._poll)
        self._timer.setSingleShot(False)
        self._timer.start(PROGRESS_POLL_MS)

    def _poll(self) -> None:
        assert self._dialog is not None
        if not isValid(self._dialog):  # closed along with its parent window
            self._timer.stop()
            self.deleteLater()
            return
        if self._progress.finished:
            self._timer.stop()
            self._dialog.reset()
            self._dialog.deleteLater()
            self.deleteLater()
            return
        label, done, total = self._progress.snapshot()
        self._dialog.setLabelText(label)
        self._dialog.setMaximum(max(total, 0))
        if total:
            self._dialog.setValue(min(done, total))
