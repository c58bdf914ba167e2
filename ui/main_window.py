"""The main window: navigation (Today, Patients, Schedule, Reports, Resources, Admin), open
charts as tabs (interruptions leave them where they were), status bar with the user."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careDesk.security.roles import Permission
from ui.chart.referrals import ReferralsTab
from ui.chart.timer import HeldTimer
from ui.chart.view import ChartView
from ui.navigation import PAGES
from ui.pages.patients import PatientsPage
from ui.pages.sync import SyncPage
from ui.screen import available_geometry, fit_window, scrolled
from ui.sync_status import PartialClinicBanner, SyncIndicator
from ui.workspace import Workspace

if TYPE_CHECKING:
    from ui.workstation import WorkstationDialog

# Log call (issue 19). Ctrl+L already locks the app, so this one takes Shift as well.
LOG_CALL_KEYS = "Ctrl+Shift+L"


class MainWindow(QMainWindow):
    """Navigation on the left, the current page on the right; charts open as tabs."""

    lock_requested = Signal()
    sign_out_requested = Signal()

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.setWindowTitle("careDesk")
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Navigation")
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        for spec in PAGES:
            if ws.can(spec.permission):
                self._add_page(spec.key, spec.title, spec.page(ws))
        self.charts = QTabWidget()
        self.charts.setObjectName("charts")
        self.charts.setAccessibleName("Open charts")
        self.charts.setTabsClosable(True)
        self.charts.setDocumentMode(True)
        self.charts.tabCloseRequested.connect(self.close_chart)
        self._add_page("charts", "Open charts", self.charts)
        self.nav.item(self.nav.count() - 1).setHidden(True)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.banner = PartialClinicBanner()
        self.banner.linkActivated.connect(self.show_page)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        user = ws.user
        self.user_label = QLabel(f"Signed in as {user.display_name} ({user.login}, {user.role})")
        self.user_label.setAccessibleName("Signed-in user")
        self.statusBar().addPermanentWidget(self.user_label)
        self._sync_indicator()
        self._actions()
        ws.open_chart.connect(self.open_chart)
        self.restore_layout()
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)

    # ----- building -------------------------------------------------------------------------
    def _add_page(self, key: str, title: str, widget: QWidget) -> None:
        self.pages[key] = widget
        # A page taller or wider than a laptop screen scrolls instead of growing the window.
        self.stack.addWidget(widget if key == "charts" else scrolled(widget))
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.nav.addItem(item)

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str,
        slot: Callable[[], object],
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _actions(self) -> None:
        menu = self.menuBar().addMenu("&careDesk")
        menu.addAction(self._action("&Lock", "Ctrl+L", self.lock_requested.emit))
        menu.addAction(
            self._action(
                "Sign &out",
                "Ctrl+Shift+Q",
                lambda: self.confirm_timers(self.sign_out_requested.emit),
            )
        )
        menu.addAction(self._action("&Workstation settings…", "", self.workstation_settings))
        menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))
        go = self.menuBar().addMenu("&Go")
        for number, key in enumerate(self.pages, start=1):
            if key == "charts":
                continue
            title = self.nav.item(list(self.pages).index(key)).text()
            go.addAction(self._action(title, f"Ctrl+{number}", partial(self.show_page, key)))
        patient = self.menuBar().addMenu("&Patient")
        patient.addAction(
            self._action("&Find a patient", QKeySequence.StandardKey.Find, self.find_patient)
        )
        patient.addAction(self._action("New &note", QKeySequence.StandardKey.New, self.new_note))
        patient.addAction(
            self._action("&Print handout", QKeySequence.StandardKey.Print, self.print)
        )
        if self.ws.can(Permission.EDIT):
            # Ctrl+L is Lock: logging a call takes Shift as well.
            patient.addAction(self._action("&Log call…", LOG_CALL_KEYS, self.log_call))
            patient.addAction(self._action("&Import records…", "Ctrl+I", self.import_records))

    def _sync_indicator(self) -> None:
        self.sync_status = SyncIndicator(self.ws)
        self.sync_status.read.connect(self.banner.show_status)
        self.statusBar().addPermanentWidget(self.sync_status)
        page = self.pages.get("sync")
        if isinstance(page, SyncPage):
            page.synced.connect(self.sync_status.refresh)
        self.sync_status.refresh()

    # ----- navigation -----------------------------------------------------------------------
    def show_page(self, key: str) -> None:
        """Switch to page ``key`` (if this build and role have it)."""
        if key in self.pages:
            row = list(self.pages).index(key)
            self.nav.item(row).setHidden(False)
            self.nav.setCurrentRow(row)

    def current_key(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def find_patient(self) -> None:
        """Ctrl+F: go to Patients and put the cursor in the search box."""
        page = self.pages.get("patients")
        if isinstance(page, PatientsPage):
            self.show_page("patients")
            page.focus_search()

    def current_chart(self) -> ChartView | None:
        """The chart in front, if the open charts are on screen."""
        chart = self.charts.currentWidget()
        return chart if self.current_key() == "charts" and isinstance(chart, ChartView) else None

    def new_note(self) -> None:
        """Ctrl+N: add a note to the chart in front."""
        chart = self.current_chart()
        if chart is not None:
            chart.new_note()

    def log_call(self) -> Any:
        """Ctrl+Shift+L: log a call for the chart in front (its call form)."""
        chart = self.current_chart()
        return chart.log_call() if chart is not None else None

    def workstation_settings(self) -> WorkstationDialog:
        """Whether careDesk remembers the signed-in person here, and "Forget me"."""
        from ui.workstation import WorkstationDialog

        dialog = WorkstationDialog(self.ws, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def import_records(self) -> QDialog:
        """Ctrl+I: import FHIR bundles or CSV patient lists, with a per-file report."""
        from ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.ws, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def print(self) -> None:
        """Ctrl+P: print (or save as PDF) the handout of the chart in front."""
        chart = self.current_chart()
        if chart is not None:
            chart.print_handout()

    def open_chart(self, patient_id: str, tab: str = "") -> None:
        """Open (or bring forward) a patient's chart, optionally on a named tab."""
        widget = self._chart_of(patient_id)
        if widget is None:
            widget = ChartView(self.ws, patient_id)
            widget.title_changed.connect(lambda text, w=widget: self._retitle(w, text))
            self.charts.addTab(widget, "Chart")
        self.charts.setCurrentWidget(widget)
        self.show_page("charts")
        if tab == "call":
            widget.log_call()
        elif tab.startswith("referral:"):  # the open-referrals page: that referral selected
            shown = widget.show_tab("referrals")
            if isinstance(shown, ReferralsTab):
                shown.show_referral(tab.removeprefix("referral:"))
        elif tab:
            widget.show_tab(tab)

    def _chart_of(self, patient_id: str) -> ChartView | None:
        for index in range(self.charts.count()):
            widget = self.charts.widget(index)
            if isinstance(widget, ChartView) and widget.patient_id == patient_id:
                return widget
        return None

    def _retitle(self, widget: QWidget, text: str) -> None:
        index = self.charts.indexOf(widget)
        if index >= 0:
            self.charts.setTabText(index, text)

    def running_timers(self) -> list[HeldTimer]:
        """The open charts' running timers (kept across a lock)."""
        found = []
        for index in range(self.charts.count()):
            widget = self.charts.widget(index)
            if isinstance(widget, ChartView):
                held = widget.timer.held(widget.patient_id)
                if held is not None:
                    found.append(held)
        return found

    def resume_timers(self, timers: list[HeldTimer]) -> None:
        """Open each chart again with its timer running on from where it was."""
        for held in timers:
            self.open_chart(held.patient_id)
            view = self._chart_of(held.patient_id)
            if view is not None:
                view.timer.resume(held.began, held.started_at)

    def close_chart(self, index: int) -> None:
        """Close a chart tab; a chart whose timer runs asks first (never stops silently)."""
        widget = self.charts.widget(index)
        if isinstance(widget, ChartView):
            widget.ask_before_closing(lambda: self._remove_chart(widget))
        else:
            self._remove_chart(widget)

    def _remove_chart(self, widget: QWidget | None) -> None:
        index = self.charts.indexOf(widget) if widget is not None else -1
        if index < 0:
            return
        self.charts.removeTab(index)
        if widget is not None:
            widget.deleteLater()
        if self.charts.count() == 0:
            self.nav.item(list(self.pages).index("charts")).setHidden(True)
            self.nav.setCurrentRow(0)

    # ----- layout memory (per user; no patient data) ----------------------------------------
    def save_layout(self) -> None:
        prefs = self.ws.prefs
        prefs.set("window/geometry", self.saveGeometry())
        prefs.set("window/state", self.saveState())
        prefs.set("window/splitter", self.splitter.saveState())
        prefs.set("window/page", self.current_key() if self.current_key() != "charts" else "")
        prefs.sync()

    def restore_layout(self) -> None:
        prefs = self.ws.prefs
        geometry = prefs.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(available_geometry(self).size() * 0.8)
        fit_window(self)  # a layout saved on a bigger monitor still fits this screen
        state = prefs.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = prefs.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            nav = self.nav.fontMetrics().averageCharWidth() * 18
            self.splitter.setSizes([nav, max(self.width() - nav, nav)])
        page = prefs.text("window/page")
        if page:
            self.show_page(page)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Override QWidget::closeEvent: ask first while a chart timer runs; remember the
        layout."""
        if self.running_timers():
            event.ignore()
            self.confirm_timers(self.close)
            return
        self.save_layout()
        super().closeEvent(event)

    def confirm_timers(self, then: Callable[[], object]) -> QMessageBox | None:
        """Run ``then`` (quit, sign out) at once, unless a chart timer runs: then ask whether to
        discard its time or go back to the chart. The box, when one is shown."""
        running = self.running_timers()
        if not running:
            then()
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Timer running",
            f"A timer is running on {len(running)} open chart(s). Its minutes are lost unless "
            "you log them.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        discard = box.addButton("Discard the time", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Go back to the chart", QMessageBox.ButtonRole.RejectRole)

        def chosen(button: object) -> None:
            if button is discard:
                for held in running:
                    view = self._chart_of(held.patient_id)
                    if view is not None:
                        view.timer.discard()
                then()
            else:
                self.open_chart(running[0].patient_id)

        box.buttonClicked.connect(chosen)
        box.open()
        return box
