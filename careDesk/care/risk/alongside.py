"""A first sync's risk scores, computed while it still copies tables no score is read from.

A new workstation's first sync copies the clinic table by table, the tables a score is read
from (:data:`~careDesk.care.risk.engine.READS`) first (``careDesk/sync/snapshot.py``). Once
they are in, with their indexes, every patient's score can be computed: this starts the refresh
of everyone on a thread of its own (worker processes for a large clinic, at a lower CPU priority,
``careDesk/care/risk/parallel.py``) while the copy goes on with the rest. The copy uses about one
of a workstation's cores; the scores take much of the other instead of starting when the copy
ends.

A score stands only if nothing it was read from changed after it was read, as for any bulk
refresh (:func:`~careDesk.care.risk.engine.untouched`): each of the copy's writes declares the
tables it wrote, none of them read by a score, so they leave the scores standing; a save made
meanwhile declares its patient, whose range is scored again. Should the refresh fail, everyone
is scored again once the copy is in, as before; a stop stops both.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from typing import TYPE_CHECKING

from careDesk.ops import Aside, Cancelled, Priority, Progress
from careDesk.ops.context import current_name, running
from careDesk.store.engine import replayable

if TYPE_CHECKING:
    from careDesk.desk import Desk

log = logging.getLogger("careDesk.risk")


class ScoresAlongside:
    """The refresh of everyone, started by the copy (:meth:`start`) and waited for after it
    (:meth:`finish`); if the copy never started it, :meth:`finish` runs it as before.

    As a context manager around the copy: leaving the block waits for the scores, or, when the
    copy raised, stops them (:meth:`abandon`) and lets the error through."""

    def __init__(self, desk: Desk, progress: Progress) -> None:
        self.desk, self.progress = desk, progress
        self.part = Aside(progress)
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> ScoresAlongside:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.finish()
            else:
                self.abandon()
        finally:
            self.desk.risk.drop_ahead()  # started for a refresh that never came

    def expect(self, patients: int) -> None:
        """The copy knows the clinic's size: start the scoring worker processes now, if the
        refresh will use any, so their start-up is done when :meth:`start` is called."""
        self.desk.risk.start_ahead(patients)

    def start(self) -> None:
        """Every table a score reads is in: score everyone on a thread of its own, under the
        calling op's name (in the write lane's log), as background work."""
        if self.thread is None:
            op = contextvars.copy_context()
            self.thread = threading.Thread(
                target=op.run, args=(self._run,), name="risk-alongside", daemon=True
            )
            self.thread.start()

    def _run(self) -> None:
        try:
            # Background work even when the sync was called directly (the command line, a
            # script), where this thread would count as a person's: its stores would then go
            # before the copy's index builds, which step aside for a person's save.
            with (
                running(current_name() or "sync.scores", Priority.BACKGROUND),
                replayable(),  # the server has every row: scores are made again after a cut
            ):
                self.desk.risk.refresh_all(progress=self.part)
        except BaseException as exc:  # handed to finish(), on the sync's thread
            self.error = exc

    def finish(self) -> None:
        """The copy is in: show the scores' progress and wait for them; score everyone here if
        they were never started or failed (a stop is raised)."""
        if self.thread is None:
            self.desk.risk.refresh_all(progress=self.progress)
            return
        try:
            self.part.surface()
        except BaseException:
            self.abandon()
            raise
        self.thread.join()
        if isinstance(self.error, Cancelled):
            raise self.error
        if self.error is not None:
            log.warning("risk scores during the copy failed (%s): again", type(self.error).__name__)
            self.desk.risk.refresh_all(progress=self.progress)

    def abandon(self) -> None:
        """The copy failed or stopped: stop the scores and wait for them (what they stored
        stays; the next sync or the clock's refresh of outdated scores takes the rest)."""
        if self.thread is not None:
            self.part.cancel()
            self.thread.join()
