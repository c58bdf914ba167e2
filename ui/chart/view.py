"""A patient's chart: the header and one tab per part of their care.

The chart itself (``desk.patients.chart``, which audits ``chart.open``) is loaded once on the
worker and fed to the tabs that show it; tabs with their own lists (plan, screeners, timeline…)
load lazily when first shown. Any change to this patient reloads what is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from careDesk.changes import Changes
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui.chart.base import ChartTab
from ui.chart.clinical import ClinicalTab
from ui.chart.header import ChartHeader
from ui.chart.measures import MeasuresTab
from ui.chart.plan import PlanTab
from ui.chart.referrals import ReferralsTab
from ui.chart.screeners import ScreenersTab
from ui.chart.story import StoryTab
from ui.chart.team import TeamTab
from ui.chart.timeline import TimelineTab
from ui.chart.transition import TransitionTab
from ui.errors import show_message
from ui.workspace import Workspace


@dataclass(frozen=True)
class TabSpec:
    """A chart tab: its key (``show_tab``), title and class (a rename breaks the build)."""

    key: str
    title: str
    tab: type[ChartTab]


TABS: tuple[TabSpec, ...] = (
    TabSpec("story", "Story", StoryTab),
    TabSpec("clinical", "Conditions && medications", ClinicalTab),
    TabSpec("plan", "Care plan", PlanTab),
    TabSpec("team", "Care team", TeamTab),
    TabSpec("measures", "Measures", MeasuresTab),
    TabSpec("screeners", "Screeners", ScreenersTab),
    TabSpec("timeline", "Timeline", TimelineTab),
    TabSpec("referrals", "Referrals && resources", ReferralsTab),
    TabSpec("transition", "Transition", TransitionTab),
)

T = TypeVar("T", bound=ChartTab)


class ChartView(QWidget):
    """One patient's chart; emits :attr:`title_changed` with the name for its tab."""

    title_changed = Signal(str)
    loaded = Signal(object)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.chart: Any = None
        self.header = ChartHeader()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Chart sections")
        self.tab_by_key: dict[str, ChartTab] = {}
        for spec in TABS:
            tab = spec.tab(ws, patient_id)
            self.tab_by_key[spec.key] = tab
            self.tabs.addTab(tab, spec.title)
        actions = QHBoxLayout()
        self.details_button = QPushButton("Edit details…")
        self.details_button.setToolTip("Name, phone, e-mail, address, language and contact")
        self.details_button.clicked.connect(self.edit_details)
        self.enroll_button = QPushButton("Enroll…")
        self.enroll_button.clicked.connect(self.enroll)
        self.call_button = QPushButton("Log call…")
        self.call_button.clicked.connect(self.log_call)
        self.print_button = QPushButton("Print handout… (Ctrl+P)")
        self.print_button.clicked.connect(self.print_handout)
        editable = ws.can(Permission.EDIT)
        self.enroll_button.setVisible(False)
        self.details_button.setVisible(editable)
        self.call_button.setVisible(editable)
        self.print_button.setVisible(ws.can(Permission.PRINT))
        for button in (
            self.details_button,
            self.enroll_button,
            self.call_button,
            self.print_button,
        ):
            actions.addWidget(button)
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        ws.changed.connect(self._changed)
        self.load()

    def load(self) -> None:
        """Open the chart (audited once, as ``chart.open``)."""
        patients, pid = self.ws.desk.patients, self.patient_id
        self.ws.run(lambda: patients.chart(pid), self._show, self._failed)

    def reload(self) -> None:
        """Fetch the open chart again after a change to this patient (not a new open)."""
        patients, pid = self.ws.desk.patients, self.patient_id
        self.ws.run(lambda: patients.reload_chart(pid), self._show, self._failed)

    def _show(self, chart: Any) -> None:
        self.chart = chart
        self.header.show_chart(chart)
        p = chart.patient
        self.title_changed.emit(f"{p.family_name}, {p.given_name}")
        self.enroll_button.setVisible(self.ws.can(Permission.EDIT) and p.status == "candidate")
        for tab in self.tab_by_key.values():
            tab.show_chart(chart)
        self.loaded.emit(chart)

    def _failed(self, error: CareDeskError) -> None:
        show_message(self, error.message)

    def _changed(self, changes: Changes) -> None:
        if self.patient_id in changes.patient_ids:
            self.reload()

    def show_tab(self, key: str) -> ChartTab | None:
        """Bring a tab forward by key (e.g. "plan", "screeners")."""
        tab = self.tab_by_key.get(key)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
        return tab

    # ----- actions ----------------------------------------------------------------------------
    def edit_details(self) -> Any:
        if self.chart is None:
            return None
        from ui.pages.patients import details_dialog

        return details_dialog(self.ws, self.chart.patient, self)

    def enroll(self) -> Any:
        from ui.pages.patients import enroll_dialog

        return enroll_dialog(self.ws, self.patient_id, self)

    def bring_forward(self, kind: type[T]) -> T:
        """Bring the tab of class ``kind`` forward and return it."""
        for tab in self.tab_by_key.values():
            if isinstance(tab, kind):
                self.tabs.setCurrentWidget(tab)
                return tab
        raise LookupError(kind.__name__)

    def log_call(self) -> Any:
        """Log a call to this patient (the Timeline tab's form)."""
        return self.bring_forward(TimelineTab).log_call()

    def new_note(self) -> Any:
        """Add a note to this patient's timeline."""
        return self.bring_forward(TimelineTab).add_note()

    def print_handout(self) -> Any:
        if not self.ws.can(Permission.PRINT):
            return None
        from ui.chart.handout import HandoutDialog

        dialog = HandoutDialog(self.ws, self.patient_id, self)
        dialog.open()
        return dialog
