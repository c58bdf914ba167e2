"""The one scope choice Today, Reminders and Schedule share: your patients or the whole clinic.

The choice is one preference (``scope``) for the signed-in user; changing it on any page changes
it on the others (through :attr:`Workspace.scope_changed`), so the three lists always count the
same patients. What "your patients" means is defined in the core (``careDesk.care.due_work``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from careDesk.care.due_work import SCOPE_WORDS, DueSummary, Scope, scope_of
from ui.workspace import Workspace

PREF = "scope"


def current_scope(ws: Workspace) -> Scope:
    """The user's chosen scope; coordinators start from their own patients, others the clinic."""
    default = Scope.MINE if ws.user.role == "coordinator" else Scope.CLINIC
    return scope_of(ws.prefs.text(PREF, default.value))


class ScopeChoice(QComboBox):
    """ "Your patients" / "Whole clinic", kept in step across pages."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setAccessibleName("Whose patients")
        self.setToolTip(
            "Your patients: those you coordinate and those with a follow-up assigned to you"
        )
        for scope in Scope:
            self.addItem(SCOPE_WORDS[scope], scope.value)
        self._follow(current_scope(ws).value)
        self.currentIndexChanged.connect(self._chosen)
        ws.scope_changed.connect(self._follow)

    @property
    def scope(self) -> Scope:
        return scope_of(self.currentData())

    def _chosen(self) -> None:
        value = self.scope.value
        if self.ws.prefs.text(PREF) != value:
            self.ws.prefs.set(PREF, value)
        self.ws.scope_changed.emit(value)

    def _follow(self, value: str) -> None:
        index = max(self.findData(value), 0)
        if index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)


def headline(summary: DueSummary) -> str:
    """The due-work line every page shows, e.g. "Your patients — 23 with work due today (…)"."""
    return summary.words()
