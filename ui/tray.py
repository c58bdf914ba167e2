"""Reminder notifications: the clock runs in the background, the tray speaks on the GUI thread.

The reminder clock (``careDesk.schedule.clock``) calls back on its own thread; a queued signal
brings the news to the GUI thread. The notification says how many follow-ups fell due, never
whose: a tray bubble can be read by anyone passing the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QStyle, QSystemTrayIcon

from careDesk.schedule.clock import ReminderClock
from careDesk.schedule.reminders import DueItem
from ui.main_window import MainWindow
from ui.workspace import Workspace


def notice(items: list[DueItem]) -> str:
    """What the bubble says: counts only."""
    urgent = sum(i.urgent for i in items)
    text = f"{len(items)} follow-up{'s' if len(items) != 1 else ''} due"
    return f"{text} ({urgent} urgent)" if urgent else text


class ReminderNotifier(QObject):
    """Shows each batch of newly due follow-ups once: tray bubble, else the status bar."""

    announced = Signal(object)  # list[DueItem], emitted from the clock's thread

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.history: list[str] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("careDesk reminders")
            self.tray.messageClicked.connect(self._show_reminders)
            self.tray.show()
        self.announced.connect(self._show)

    def on_due(self, items: list[DueItem]) -> None:
        """The clock's callback (any thread)."""
        self.announced.emit(items)

    def _show(self, items: list[DueItem]) -> None:
        text = notice(items)
        self.history.append(text)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage("careDesk", text, QSystemTrayIcon.MessageIcon.Information)
        self.window.statusBar().showMessage(text, 60_000)

    def _show_reminders(self) -> None:
        if isinstance(self.window, MainWindow):
            self.window.show_page("reminders")
        self.window.raise_()
        self.window.activateWindow()


def start_reminders(ws: Workspace, window: QMainWindow) -> tuple[ReminderClock, ReminderNotifier]:
    """Start the reminder clock for this session, on the database worker."""
    notifier = ReminderNotifier(window)
    clock = ReminderClock(ws.desk, notifier.on_due)
    ws.run(clock.start)
    return clock, notifier
