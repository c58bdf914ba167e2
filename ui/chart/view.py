"""A patient's chart: the header and one tab per part of their care.

The chart itself (``desk.patients.chart``, which audits ``chart.open``) is loaded once on the
worker and fed to the tabs that show it; tabs with their own lists (plan, screeners, timeline…)
load lazily when first shown. Any change to this patient reloads what is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from careDesk.changes import Changes
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui.chart.header import ChartHeader
from ui.errors import show_message
from ui.main_window import available
from ui.workspace import Workspace


@dataclass(frozen=True)
class TabSpec:
    key: str
    title: str
    factory: str
    services: tuple[str, ...]


TABS = (
    TabSpec("story", "Story", "ui.chart.story:StoryTab", ("patients",)),
    TabSpec(
        "clinical", "Conditions && medications", "ui.chart.clinical:ClinicalTab", ("clinical",)
    ),
    TabSpec("plan", "Care plan", "ui.chart.plan:PlanTab", ("plans",)),
    TabSpec("team", "Care team", "ui.chart.team:TeamTab", ("team",)),
    TabSpec("screeners", "Screeners", "ui.chart.screeners:ScreenersTab", ("screeners",)),
    TabSpec("timeline", "Timeline", "ui.chart.timeline:TimelineTab", ("timeline",)),
    TabSpec(
        "referrals", "Referrals && resources", "ui.chart.referrals:ReferralsTab", ("referrals",)
    ),
    TabSpec("transition", "Transition", "ui.chart.transition:TransitionTab", ("transitions",)),
)


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
        self.tab_by_key: dict[str, QWidget] = {}
        for spec in TABS:
            if available(spec.factory, spec.services, ws):
                module, name = spec.factory.split(":")
                tab = getattr(import_module(module), name)(ws, patient_id)
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
        self.call_button.setVisible(editable and ws.has("timeline"))
        self.print_button.setVisible(ws.can(Permission.PRINT) and ws.has("handouts"))
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
            if hasattr(tab, "show_chart"):
                tab.show_chart(chart)
        self.loaded.emit(chart)

    def _failed(self, error: CareDeskError) -> None:
        show_message(self, error.message)

    def _changed(self, changes: Changes) -> None:
        if self.patient_id in changes.patient_ids:
            self.reload()

    def show_tab(self, key: str) -> QWidget | None:
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

    def log_call(self) -> Any:
        tab = self.show_tab("timeline")
        return getattr(tab, "log_call", lambda: None)()

    def new_note(self) -> Any:
        tab = self.show_tab("timeline")
        return getattr(tab, "add_note", lambda: None)()

    def print_handout(self) -> Any:
        if not (self.ws.has("handouts") and self.ws.can(Permission.PRINT)):
            return None
        from ui.chart.handout import HandoutDialog

        dialog = HandoutDialog(self.ws, self.patient_id, self)
        dialog.open()
        return dialog
