"""What every page shares: the workspace, loading on first show, refreshing on changes."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from careDesk.changes import Changes, Kind
from ui.workspace import Workspace


class Page(QWidget):
    """A page loads when first shown and reloads when a change it cares about arrives."""

    #: Kinds of change (``Changes.kinds``) that make this page reload; empty = never.
    watches: frozenset[Kind] = frozenset()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._loaded = False
        self._stale = False
        ws.changed.connect(self._changed)

    def load(self) -> None:
        """Fetch what the page shows (through ``self.ws.run``)."""

    def showEvent(self, event: QShowEvent) -> None:
        """Override QWidget::showEvent: load lazily, or catch up on changes missed while hidden."""
        super().showEvent(event)
        if not self._loaded or self._stale:
            self._loaded = True
            self._stale = False
            self.load()

    def _changed(self, changes: Changes) -> None:
        if changes.kinds & self.watches:
            self.refresh()

    def refresh(self) -> None:
        """Reload now if shown (and loaded), else on the next show."""
        if not self._loaded:
            return
        if self.isVisible():
            self.load()
        else:
            self._stale = True
