"""What every chart tab shares: its patient, lazy loading, refresh on that patient's changes."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from careDesk.changes import Changes
from careDesk.security.roles import Permission
from ui.pages.base import Page
from ui.workspace import Workspace


class ChartTab(Page):
    """A tab of one patient's chart; reloads only for changes to this patient."""

    title = ""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.patient_id = patient_id
        self.editable = ws.can(Permission.EDIT)

    def _changed(self, changes: Changes) -> None:
        # A chart's lists are small: any change to this patient reloads the tab in view.
        if self.patient_id in changes.patient_ids:
            self.refresh()
