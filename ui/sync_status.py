"""Sync at a glance, on every page: the status bar's word ("Synced 14:02 · 3 waiting") and,
while this workstation's first sync has not finished, a banner above the pages."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel

from careDesk.sync.reports import INCOMPLETE, SyncStatus
from ui.workspace import Workspace


def _at(when: datetime) -> str:
    local = when.astimezone()
    today = local.date() == datetime.now().astimezone().date()
    return f"{local:%H:%M}" if today else f"{local:%Y-%m-%d %H:%M}"


def sync_note(status: SyncStatus) -> str:
    """The status bar's word on sync: "Synced 14:02 · 3 waiting", "Offline · 3 waiting",
    "Sync failed 14:05 · last synced 13:50", "First sync not finished"."""
    if status.incomplete:
        parts = ["First sync not finished"]
    elif status.offline:
        parts = ["Offline"]
    elif status.last_error is not None:  # refused, or one side needs an upgrade
        failed = f"Sync failed {_at(status.last_attempt_at)}" if status.last_attempt_at else ""
        synced = f"last synced {_at(status.last_sync_at)}" if status.last_sync_at else ""
        parts = [p for p in (failed or "Sync failed", synced) if p]
    elif status.last_sync_at is None:
        parts = ["Not synced yet"]
    else:
        parts = [f"Synced {_at(status.last_sync_at)}"]
    if status.pending:
        parts.append(f"{status.pending:,} waiting")
    if status.open_conflicts:
        parts.append(f"{status.open_conflicts:,} to review")
    return " · ".join(parts)


class SyncIndicator(QLabel):
    """Sync at a glance in the status bar; hidden while this workstation does not sync."""

    #: Each status read (a SyncStatus), for the window's banner.
    read = Signal(object)

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.setAccessibleName("Sync status")
        self.setVisible(False)
        self._asking = self._again = False
        ws.changed.connect(lambda _changes: self.refresh())

    def refresh(self) -> None:
        """Read the sync status on the worker (one question at a time; a burst of changes
        during a sync asks once more at the end, not once per change)."""
        if self._asking:
            self._again = True
            return
        self._asking = True
        self.ws.run(self.ws.desk.sync.status, self._show, lambda _error: self._show(None))

    def _show(self, status: SyncStatus | None) -> None:
        self._asking = False
        if status is not None:
            self.setText(sync_note(status))
            self.read.emit(status)
        self.setVisible(status is not None and status.enabled)
        if self._again:
            self._again = False
            self.refresh()


class PartialClinicBanner(QLabel):
    """Above every page while this workstation's first sync has not finished: a chart here
    may lack records the clinic has (an allergy, a medicine), so nobody should read "none
    recorded" as "none". Its link opens the Sync page."""

    def __init__(self) -> None:
        super().__init__(f"{INCOMPLETE} <a href='sync'>Finish it on the Sync page</a>.")
        self.setObjectName("banner")
        self.setAccessibleName("First sync not finished")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setVisible(False)

    def show_status(self, status: SyncStatus) -> None:
        self.setVisible(status.incomplete)
