"""A patient's chart: the header and one tab per part of their care.

The chart itself (``desk.patients.chart``, which audits ``chart.open``) is loaded once on the
worker and fed to the tabs that show it; tabs with their own lists (plan, screeners, timeline…)
load lazily when first shown. Any change to this patient reloads what is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Changes
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui.actionbar import ActionBar
from ui.chart.base import ChartTab
from ui.chart.clinical import ClinicalTab
from ui.chart.header import ChartHeader
from ui.chart.measures import MeasuresTab
from ui.chart.plan import PlanTab
from ui.chart.referrals import ReferralsTab
from ui.chart.screeners import ScreenersTab
from ui.chart.story import StoryTab
from ui.chart.summary import SummaryTab
from ui.chart.team import TeamTab
from ui.chart.timeline import TimelineTab
from ui.chart.timer import ChartTimer
from ui.chart.transition import TransitionTab
from ui.errors import show_message
from ui.screen import scrolled
from ui.workspace import Workspace


@dataclass(frozen=True)
class TabSpec:
    """A chart tab: its key (``show_tab``), title and class (a rename breaks the build)."""

    key: str
    title: str
    tab: type[ChartTab]


TABS: tuple[TabSpec, ...] = (
    TabSpec("summary", "Summary", SummaryTab),  # first: a new chart opens at a glance
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
        # Each tab scrolls inside its own area rather than widening the window (laptop screens).
        self.frames: dict[str, QScrollArea] = {}
        for spec in TABS:
            tab = spec.tab(ws, patient_id)
            self.tab_by_key[spec.key] = tab
            self.frames[spec.key] = scrolled(tab)
            self.tabs.addTab(self.frames[spec.key], spec.title)
        # The everyday actions first: what does not fit goes under More… from the right.
        actions = ActionBar("Chart actions")
        self.call_button = actions.add("Log call…", self.log_call)
        self.call_button.setToolTip("Log a call (Ctrl+Shift+L)")
        self.print_button = actions.add("Print handout… (Ctrl+P)", self.print_handout)
        self.enroll_button = actions.add("Enroll…", self.enroll)
        self.details_button = actions.add("Edit details…", self.edit_details)
        self.details_button.setToolTip("Name, phone, e-mail, address, language and contact")
        self.consent_button = actions.add("Consent…", self.edit_consent)
        self.consent_button.setToolTip("The channels the patient agreed to: phone, text, WhatsApp…")
        editable = ws.can(Permission.EDIT)
        self.enroll_button.setVisible(False)
        self.details_button.setVisible(editable)
        self.consent_button.setVisible(editable)
        self.call_button.setVisible(editable)
        self.print_button.setVisible(ws.can(Permission.PRINT))
        self.timer = ChartTimer()
        self.timer.setVisible(editable)
        self.timer.stopped.connect(self._log_timed)
        self.timer.running_changed.connect(lambda _running: self._retitle())
        self.timed_dialog: Any = None  # the form the timer last opened
        self._title = ""
        self.header.set_actions(actions)
        self.header.set_timer(self.timer)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
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
        self._title = f"{p.family_name}, {p.given_name}"
        self._retitle()
        billing, pid = self.ws.desk.billing, self.patient_id
        self.ws.run(lambda: billing.this_month(pid), self.header.show_minutes, parent=self)
        self.enroll_button.setVisible(self.ws.can(Permission.EDIT) and p.status == "candidate")
        for tab in self.tab_by_key.values():
            tab.show_chart(chart)
        self.loaded.emit(chart)

    def _failed(self, error: CareDeskError) -> None:
        show_message(self, error.message)

    def _changed(self, changes: Changes) -> None:
        if self.patient_id in changes.patient_ids:
            self.reload()

    def current_tab(self) -> ChartTab | None:
        """The tab in front (each sits in its own scroll frame)."""
        frame = self.tabs.currentWidget()
        return next((self.tab_by_key[k] for k, f in self.frames.items() if f is frame), None)

    def show_tab(self, key: str) -> ChartTab | None:
        """Bring a tab forward by key (e.g. "plan", "screeners")."""
        tab = self.tab_by_key.get(key)
        if tab is not None:
            self.tabs.setCurrentWidget(self.frames[key])
        return tab

    # ----- actions ----------------------------------------------------------------------------
    def edit_details(self) -> Any:
        if self.chart is None:
            return None
        from ui.pages.patients import details_dialog

        return details_dialog(self.ws, self.chart.patient, self)

    def edit_consent(self) -> Any:
        if self.chart is None:
            return None
        from ui.chart.family import consent_dialog

        return consent_dialog(self.ws, self.chart.patient, self)

    def enroll(self) -> Any:
        from ui.pages.patients import enroll_dialog

        return enroll_dialog(self.ws, self.patient_id, self)

    def bring_forward(self, kind: type[T]) -> T:
        """Bring the tab of class ``kind`` forward and return it."""
        for key, tab in self.tab_by_key.items():
            if isinstance(tab, kind):
                self.tabs.setCurrentWidget(self.frames[key])
                return tab
        raise LookupError(kind.__name__)

    def log_call(self) -> Any:
        """Log a call to this patient (the Timeline tab's form)."""
        return self.bring_forward(TimelineTab).log_call()

    def new_note(self) -> Any:
        """Add a note to this patient's timeline."""
        return self.bring_forward(TimelineTab).add_note()

    # ----- the timer ---------------------------------------------------------------------------
    def _retitle(self) -> None:
        """The chart's tab title, marked while its timer runs (seen from any page)."""
        if self._title:
            self.title_changed.emit(("● " if self.timer.running else "") + self._title)

    def _log_timed(self, kind: str, minutes: int, started: datetime) -> None:
        """The timer stopped: open the call or note form with its minutes and start time."""
        tab = self.bring_forward(TimelineTab)
        dialog = tab.log_call() if kind == "call" else tab.add_note()
        dialog.fill_timer(minutes, started)
        self.timed_dialog = dialog

    def ask_before_closing(self, close: Callable[[], None]) -> QMessageBox | None:
        """Close at once (``close``), unless the timer runs: then ask whether to log the time,
        discard it and close, or keep the chart open. The box, when one is shown."""
        if not self.timer.running:
            close()
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Timer running",
            f"The timer for this patient is running ({self.timer.minutes()} min). "
            "Log the time before closing the chart?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        log = box.addButton("Stop and log call…", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard time and close", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep the chart open", QMessageBox.ButtonRole.RejectRole)

        def chosen(button: Any) -> None:
            if button is log:
                self.timer.stop("call")
            elif button is discard:
                self.timer.discard()
                close()

        box.buttonClicked.connect(chosen)
        box.open()
        return box

    def print_handout(self) -> Any:
        if not self.ws.can(Permission.PRINT):
            return None
        from ui.chart.handout import HandoutDialog

        dialog = HandoutDialog(self.ws, self.patient_id, self)
        dialog.open()
        return dialog
