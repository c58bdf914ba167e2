"""What every chart tab shares: its patient, lazy loading, refresh on what it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from careDesk.changes import Changes
from careDesk.security.roles import Permission
from ui.pages.base import Page
from ui.workspace import Workspace

if TYPE_CHECKING:
    from careDesk.care.chart import Chart


class ChartTab(Page):
    """A tab of one patient's chart; reloads only when a record of a kind it ``watches``
    changed for this patient (a tab fed by the chart itself watches nothing: the chart view
    hands it the reloaded chart)."""

    title = ""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.patient_id = patient_id
        self.editable = ws.can(Permission.EDIT)

    def show_chart(self, chart: Chart) -> None:
        """The chart was (re)loaded: tabs that show part of it override this."""

    def _changed(self, changes: Changes) -> None:
        if changes.touches(self.watches, self.patient_id):
            self.refresh()
