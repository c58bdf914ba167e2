"""Measuring GUI-thread stalls: a heartbeat timer on the event loop and a simulated typist.

Used by the stall test and ``benchmarks/bench_ui.py``: while someone types in the patient search,
the longest gap between heartbeats is the longest time the window could not react.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit


class StallMeter(QObject):
    """Records the longest interval between heartbeats of a fast timer on the GUI thread."""

    def __init__(self, interval_ms: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        """Stop measuring; returns the longest stall in seconds."""
        self._beat()
        self._timer.stop()
        return self.longest

    def _beat(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now


class Typist(QObject):
    """Types ``words`` into a line edit, one key every ``interval_ms``, clearing between words."""

    finished = Signal()

    def __init__(
        self,
        field: QLineEdit,
        words: Sequence[str],
        interval_ms: int = 40,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._field = field
        self._keys: list[str | None] = []
        for word in words:
            self._keys += [None, *word]  # None clears the field
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._next)

    def start(self) -> None:
        self._timer.start()

    def _next(self) -> None:
        if not self._keys:
            self._timer.stop()
            self.finished.emit()
            return
        key = self._keys.pop(0)
        if key is None:
            self._field.clear()
        elif key.isascii():
            QTest.keyClicks(self._field, key)  # real key events, through every event filter
        else:
            self._field.insert(key)  # QTest's key table is ASCII only
