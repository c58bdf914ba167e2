"""A start/stop timer on the chart (issue 19): time a call or a piece of care-management work,
then log it with the minutes filled in.

The timer belongs to the chart view, not to a tab, so switching tabs or pages leaves it running;
elapsed time is read from a monotonic clock, so a hidden or busy window never loses seconds.
A chart with a running timer asks before it closes (``ChartView.ask_before_closing``); a lock
(Ctrl+L or idle, often during a long call) keeps it running for the same user to find after
unlocking (:class:`HeldTimer`, in memory only).
Minutes are the whole minutes elapsed (at least 1): rounding up would claim time not spent,
and the coordinator can correct the number in the form.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from careDesk.model.base import utcnow


@dataclass(frozen=True)
class HeldTimer:
    """A running timer kept in memory while the workstation is locked (never written down):
    the same user unlocking finds the chart open again with the timer still running."""

    patient_id: str
    began: float  # on the monotonic clock
    started_at: datetime


class ChartTimer(QWidget):
    """Start → running clock → "Stop and log call…" / "Stop and add note…" / "Discard"."""

    #: True when the timer starts, False when it stops or is discarded.
    running_changed = Signal(bool)
    #: The kind of entry to log ("call" or "note"), the minutes and when the timer started.
    stopped = Signal(str, int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock: Callable[[], float] = time.monotonic
        self._began: float | None = None
        self.started_at: datetime | None = None
        self.label = QLabel()
        self.label.setAccessibleName("Timer")
        self.start_button = QPushButton("Start timer")
        self.start_button.setToolTip("Time a call or other care-management work")
        self.call_button = QPushButton("Stop and log call…")
        self.note_button = QPushButton("Stop and add note…")
        self.discard_button = QPushButton("Discard timer")
        self.start_button.clicked.connect(self.start)
        self.call_button.clicked.connect(lambda: self.stop("call"))
        self.note_button.clicked.connect(lambda: self.stop("note"))
        self.discard_button.clicked.connect(self.discard)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.label,
            self.start_button,
            self.call_button,
            self.note_button,
            self.discard_button,
        ):
            layout.addWidget(widget)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._show)
        self._show()

    @property
    def running(self) -> bool:
        return self._began is not None

    def elapsed(self) -> timedelta:
        if self._began is None:
            return timedelta()
        return timedelta(seconds=max(0.0, self.clock() - self._began))

    def minutes(self) -> int:
        """Whole minutes elapsed, at least 1."""
        return max(1, int(self.elapsed().total_seconds() // 60))

    def start(self) -> None:
        if self.running:
            return
        self._began = self.clock()
        self.started_at = utcnow()
        self.tick.start()
        self._show()
        self.running_changed.emit(True)

    def resume(self, began: float, started_at: datetime) -> None:
        """Run on from an earlier start (after the workstation was locked and unlocked)."""
        if self.running:
            return
        self._began, self.started_at = began, started_at
        self.tick.start()
        self._show()
        self.running_changed.emit(True)

    def held(self, patient_id: str) -> HeldTimer | None:
        if self._began is None or self.started_at is None:
            return None
        return HeldTimer(patient_id, self._began, self.started_at)

    def stop(self, kind: str) -> int | None:
        """Stop and ask for the ``kind`` of entry to log; the minutes (None if not running)."""
        if not self.running or self.started_at is None:
            return None
        minutes, started = self.minutes(), self.started_at
        self._reset()
        self.stopped.emit(kind, minutes, started)
        return minutes

    def discard(self) -> None:
        """Stop without logging anything."""
        if self.running:
            self._reset()

    def _reset(self) -> None:
        self._began = None
        self.started_at = None
        self.tick.stop()
        self._show()
        self.running_changed.emit(False)

    def text(self) -> str:
        seconds = int(self.elapsed().total_seconds())
        return f"Timer {seconds // 60:d}:{seconds % 60:02d}"

    def _show(self) -> None:
        running = self.running
        self.label.setText(self.text() if running else "")
        self.label.setVisible(running)
        self.start_button.setVisible(not running)
        for button in (self.call_button, self.note_button, self.discard_button):
            button.setVisible(running)
