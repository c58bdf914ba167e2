"""Today: the risk-ranked worklist with reasons and due work, urgent alerts first.

A lazy :class:`PagedModel` over patient ids: pages of ``desk.worklist.rows`` are fetched on the
database worker as the list scrolls. The scope (your patients / whole clinic) is shared with
Reminders and Schedule and says itself in words with today's due work
(``careDesk.care.due_work``); quick filters (overdue, due today, never screened…) are core
queries, so they work on the lazy list. Status and risk band are remembered per user. The side
panel explains the selected patient's reasons (Alt+R or Tab reaches it). Enter opens the chart;
"Log call" opens it on the timeline with the call form.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.due_work import QUICK_WORDS, Scope
from careDesk.changes import Kind, kinds
from careDesk.security.roles import Permission
from careDesk.words import say
from ui.pages.base import Page
from ui.pages.reasons import ReasonsPanel
from ui.scope import ScopeChoice
from ui.tables import Column, PagedModel
from ui.views import table_view
from ui.workspace import Workspace

STATUSES = (
    ("", "all open"),
    ("candidate", "candidates"),
    ("enrolled", "enrolled"),
    ("active", "active"),
)
BANDS = (
    ("", "any risk"),
    ("high", "high risk"),
    ("moderate", "moderate risk"),
    ("low", "low risk"),
)
QUICK = (("", "Everyone"), *((key, words.capitalize()) for key, words in QUICK_WORDS.items()))


def due_text(row: Any) -> str:
    """Due work in a few words: overdue first."""
    parts = [("OVERDUE " if d.overdue else "") + d.title for d in row.due]
    return "; ".join(parts)


def is_urgent(row: Any) -> bool:
    return any(d.urgent for d in row.due)


class TodayPage(Page):
    """The coordinator's worklist."""

    watches = kinds(
        Kind.PATIENT,
        Kind.RISK_SCORE,
        Kind.FOLLOW_UP,
        Kind.ALERT,
        Kind.SCREENER_RESULT,
        Kind.CARE_PLAN,
    )

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.filters: dict[str, QComboBox] = {}
        self.scope = ScopeChoice(ws)
        ws.scope_changed.connect(lambda _value: self.refresh())
        bar = QHBoxLayout()
        bar.addWidget(self.scope)
        for key, label, choices in (("status", "Status", STATUSES), ("band", "Risk band", BANDS)):
            combo = QComboBox()
            combo.setAccessibleName(label)
            for value, text in choices:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(combo.findData(ws.prefs.text(f"today/{key}", "")), 0))
            combo.currentIndexChanged.connect(self._filters_changed)
            self.filters[key] = combo
            bar.addWidget(combo)
        bar.addStretch()
        self.open_button = QPushButton("Open chart")
        self.open_button.clicked.connect(self.open_selected)
        self.call_button = QPushButton("Log call…")
        self.call_button.clicked.connect(self.log_call)
        self.call_button.setVisible(ws.can(Permission.EDIT))
        bar.addWidget(self.open_button)
        bar.addWidget(self.call_button)
        quick_bar = self._quick_bar()
        self.due_line = QLabel()
        self.due_line.setAccessibleName("Due work")
        self.count = QLabel()
        self.count.setAccessibleName("Worklist size")
        self.model = PagedModel(
            ws,
            [
                Column("Priority", lambda r: f"{r.priority:.0f}", order="priority"),
                Column("Patient", lambda r: r.name, order="name"),
                Column("Risk", lambda r: r.band, order="priority"),
                Column("Status", lambda r: say(r.status), order="status"),
                Column("Due work", due_text, due_text),
                Column("Why", lambda r: "; ".join(r.reasons), lambda r: "\n".join(r.reasons)),
            ],
            self._fetcher(),
            page_size=100,
            parent=self,
        )
        self.model.urgent = is_urgent
        self.model.refetch = self._fetcher  # a header click re-asks the query in that order
        self.view = table_view(self.model, "Worklist")
        self.view.activated.connect(lambda _index: self.open_selected())
        self.view.setTabKeyNavigation(False)  # arrows move in the list; Tab goes to the reasons
        self.reasons = ReasonsPanel()
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(lambda: self.reasons.show_row(None))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.reasons)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([4_000, 1_000])  # the list first: the panel explains one row at a time
        self.setTabOrder(self.view, self.reasons.text)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(quick_bar)
        layout.addWidget(self.due_line)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)

    def _quick_bar(self) -> QHBoxLayout:
        """One-click filters; the choice is remembered per user."""
        self.quick = QButtonGroup(self)
        self.quick.setExclusive(True)
        self.quick_buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        chosen = self.ws.prefs.text("today/quick", "")
        for value, text in QUICK:
            button = QPushButton(text)
            button.setCheckable(True)
            button.setAccessibleName(f"Show {text.lower()}")
            button.setChecked(value == chosen)
            self.quick.addButton(button)
            self.quick_buttons[value] = button
            bar.addWidget(button)
        if self.quick.checkedButton() is None:
            self.quick_buttons[""].setChecked(True)
        self.quick.buttonClicked.connect(lambda _button: self._filters_changed())
        bar.addStretch()
        return bar

    def quick_filter(self) -> str:
        """The chosen quick filter ("" for everyone)."""
        return next((k for k, b in self.quick_buttons.items() if b.isChecked()), "")

    def set_quick_filter(self, value: str) -> None:
        """Choose a quick filter (as clicking its button does)."""
        self.quick_buttons[value].setChecked(True)
        self._filters_changed()

    def _criteria(self) -> dict[str, Any]:
        return {
            "coordinator_id": self.ws.user.id if self.scope.scope == Scope.MINE else None,
            "status": self.filters["status"].currentData() or None,
            "band": self.filters["band"].currentData() or None,
            "quick": self.quick_filter() or None,
        }

    def _fetcher(self) -> Any:
        worklist, criteria = self.ws.desk.worklist, self._criteria()
        ordering = self.model.ordering if "model" in vars(self) else None
        if ordering is not None:
            criteria.update(order=ordering[0], descending=ordering[1])

        def fetch(limit: int, offset: int, _last: Any) -> list[Any]:
            return worklist.rows(limit, offset, **criteria)

        return fetch

    def _filters_changed(self) -> None:
        for key, combo in self.filters.items():
            self.ws.prefs.set(f"today/{key}", combo.currentData())
        self.ws.prefs.set("today/quick", self.quick_filter())
        self.load()

    def load(self) -> None:
        self.model.reload(self._fetcher())
        desk, criteria, scope = self.ws.desk, self._criteria(), self.scope.scope
        self.ws.run(
            lambda: desk.worklist.count(**criteria),
            lambda n: self.count.setText(f"{n} patient(s) on the worklist{self._shown()}."),
        )
        self.ws.run(
            lambda: desk.due_work.summary(scope), lambda s: self.due_line.setText(s.words())
        )

    def _shown(self) -> str:
        quick = self.quick_filter()
        return f" ({QUICK_WORDS[quick]})" if quick else ""

    def _selection_changed(self) -> None:
        self.reasons.show_row(self.selected())

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.ws.open_chart.emit(row.id, "")

    def log_call(self) -> None:
        row = self.selected()
        if row is not None:
            self.ws.open_chart.emit(row.id, "call")
