"""What every screen needs: the signed-in desk, the database worker and the changed event.

A :class:`Workspace` lives from sign-in to lock or sign-out. Screens call
``ws.run(fn, on_done)`` for every database call (never touching the desk on the GUI thread,
except for ``ws.can`` which reads only the role) and listen to :attr:`Workspace.changed`, the one
"changed" event, to decide whether to refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from careDesk.desk import CurrentUser, Desk
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui.prefs import Prefs
from ui.worker import Cancelled, DbWorker, Op, Progress

#: The services a first search and the Today page touch, loaded right after sign-in.
WARM_SERVICES: tuple[Callable[[Desk], object], ...] = (
    lambda d: d.patients,
    lambda d: d.worklist,
    lambda d: d.plans,
    lambda d: d.screeners,
    lambda d: d.timeline,
    lambda d: d.followups,
    lambda d: d.clinical,
)


class Workspace(QObject):
    """A signed-in session as the GUI sees it."""

    #: The one "changed" event: a :class:`Changes` after each committed write (GUI thread).
    changed = Signal(object)
    #: Asks the main window to open a patient's chart (patient id, tab name or "").
    open_chart = Signal(str, str)
    #: The shared scope of Today, Reminders and Schedule changed ("mine" or "clinic").
    scope_changed = Signal(str)

    def __init__(self, desk: Desk, worker: DbWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.worker = worker
        self.prefs = Prefs(desk.paths.root, desk.user.login)
        self.closed = False
        desk.use_runner(worker.runner)  # the reminder clock's jobs take the same road
        # Listeners run on the worker thread (where commits happen); emitting the signal queues
        # the change to the GUI thread, where views decide whether to refresh.
        self._unsubscribe: Callable[[], None] | None = desk.on_changed(self.changed.emit)

    @property
    def user(self) -> CurrentUser:
        return self.desk.user

    def can(self, permission: Permission) -> bool:
        """Whether the signed-in role grants ``permission`` (the core checks again)."""
        return self.desk.can(permission)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[CareDeskError], None] | None = None,
        *,
        progress: Progress | None = None,
        parent: QWidget | None = None,
        background: bool | None = None,
        dialog: bool = True,
    ) -> Op:
        """Run ``fn`` on the database worker; callbacks come back on the GUI thread.

        A long job (one with ``progress``, or ``background=True``) runs as background work, so
        the person's saves meanwhile go between its chunks instead of waiting for all of it.
        Its ``progress`` is also how a sign-out, lock or exit stops it; a screen that shows the
        progress itself passes ``dialog=False``.

        After :meth:`close` (sign-out or lock) nothing more runs and late answers are dropped:
        the desk is closed and the windows that asked are gone.
        """
        if self.closed:
            return Op(fn)

        def done(result: Any) -> None:
            if not self.closed and on_done is not None:
                on_done(result)

        def failed(error: CareDeskError) -> None:
            if not self.closed:
                (on_error or self._unhandled)(error)

        op = Op(fn, done, failed, progress=progress, background=background, dialog=dialog)
        return self.worker.submit(op, parent=parent)

    def _unhandled(self, error: CareDeskError) -> None:
        if not isinstance(error, Cancelled):
            self.worker.failed.emit(error.message)

    def warm_up(self) -> Op:
        """Load the core services and run one empty search on the worker right after sign-in.

        The first use of a service pays one-time Python work (imports, model and query
        compilation) that competes with the GUI thread for the interpreter; doing it while the
        user looks at the Today page keeps the first search from stalling typing.
        """
        desk = self.desk

        def warm() -> None:
            for service in WARM_SERVICES:
                service(desk)
            desk.patients.search("zzzz", limit=1)

        return self.run(warm)

    def close(self, reason: str, on_closed: Callable[[Any], None] | None = None) -> None:
        """Sign out (or lock): record it, drop the key and release the vault, on the worker."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.closed = True
        desk = self.desk
        self.worker.submit(Op(lambda: desk.close(reason=reason), on_closed))
