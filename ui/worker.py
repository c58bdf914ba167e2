"""The desktop's side of the operation runner: ops in, results back as signals on the GUI thread.

Anki's operation pattern (docs/architecture.md#how-a-write-reaches-the-database), with the
runner itself in the core (:mod:`careDesk.ops.runner`): a user action becomes a small
:class:`Op` — a function the core runner runs off the GUI thread, then ``on_done(result)`` or
``on_error(exc)`` called on the GUI thread. Ops run in order on the runner's one interactive
thread; a long job (an op with a :class:`Progress`, or ``background=True``) runs on its
background thread, so saves are not queued behind it, and every write transaction of either
passes the vault's one write lane. Widgets are touched only on the GUI thread. Expected failures
(:class:`CareDeskError`) go to the op's ``on_error`` or a plain message; anything else is a bug:
logged without patient data (:func:`careDesk.logs.log_unexpected`) and shown in a crash dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from careDesk import ops
from careDesk.errors import CareDeskError
from careDesk.ops import Cancelled, Priority, Progress, Runner

__all__ = ["PROGRESS_DELAY_MS", "Cancelled", "DbWorker", "Op", "Progress"]

PROGRESS_DELAY_MS = 500
PROGRESS_POLL_MS = 100


@dataclass
class Op:
    """One unit of database work: ``fn()`` on the runner, then a callback on the GUI thread.

    ``background``: run as a background job (default: when it reports ``progress``).
    ``read``: it only reads and may run beside other work, out of order.
    ``dialog``: a ``progress`` still running after ~0.5 s shows a progress dialog; off for a
    screen that shows the progress itself. Either way the progress is how a sign-out, a lock or
    the app's exit stops the job (the runner cancels it), so a long job always carries one.
    """

    fn: Callable[[], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[CareDeskError], None] | None = None
    progress: Progress | None = None
    name: str = ""
    background: bool | None = None
    read: bool = False
    dialog: bool = True

    def core(self) -> ops.Op[Any]:
        """The op as the core runner takes it (the function only: callbacks stay here)."""
        background = self.progress is not None if self.background is None else self.background
        return ops.Op(
            self.name or getattr(self.fn, "__qualname__", "ui"),  # code, never data: for logs
            self.fn,
            ops.Kind.READ if self.read else ops.Kind.WRITE,
            Priority.BACKGROUND if background else Priority.INTERACTIVE,
            self.progress,
        )


class DbWorker(QObject):
    """The app's operation runner as Qt sees it: error routing and delayed progress.

    Each op is kept here, on the GUI thread, under a ticket number until its callback ran, so
    the last reference to an op (whose callbacks hold widgets) is always dropped on the GUI
    thread: Qt objects must never be destroyed on another thread. The core runner lets go of
    the op's function before it reports back.
    """

    _finished = Signal(int, object, object)  # ticket, result, error (from a runner thread)
    #: Emitted on the GUI thread when an op raised an unexpected error (a bug).
    crashed = Signal(object)
    #: Emitted on the GUI thread for an expected error no op handled.
    failed = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, runner: Runner | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or Runner(name="careDesk")
        self._ops: dict[int, Op] = {}
        self._tickets = 0
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return bool(self._ops)

    def submit(self, op: Op, *, parent: QWidget | None = None) -> Op:
        """Hand ``op`` to the runner; returns it (handy for progress)."""
        self._tickets += 1
        number = self._tickets
        self._ops[number] = op
        if op.progress is not None and op.dialog:
            _DelayedProgress(op.progress, parent, self)
        ticket = self.runner.submit(op.core())
        ticket.add_done_callback(lambda t: self._finished.emit(number, t.value, t.error))
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
        """Finish every queued interactive op (e.g. the sign-out), stop background jobs at their
        next step, then end the runner's threads (at exit)."""
        self.runner.close()


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
