"""Today: the risk-ranked worklist with reasons and due work, urgent alerts first.

A lazy :class:`PagedModel` over patient ids: pages of ``desk.worklist.rows`` are fetched on the
database worker as the list scrolls. Filters (mine / all, status, risk band) are remembered per
user. Enter opens the chart; "Log call" opens it on the timeline with the call form.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from careDesk.changes import Kind, kinds
from careDesk.security.roles import Permission
from ui.pages.base import Page
from ui.tables import Column, PagedModel
from ui.views import size_columns, table_view
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
WHO = (("mine", "my patients"), ("all", "all patients"))


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
        bar = QHBoxLayout()
        for key, label, choices in (
            ("who", "Whose patients", WHO),
            ("status", "Status", STATUSES),
            ("band", "Risk band", BANDS),
        ):
            combo = QComboBox()
            combo.setAccessibleName(label)
            for value, text in choices:
                combo.addItem(text, value)
            default = choices[0][0]
            if key == "who" and ws.user.role != "coordinator":
                default = "all"  # admins and clinicians start from the whole clinic
            combo.setCurrentIndex(max(combo.findData(ws.prefs.text(f"today/{key}", default)), 0))
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
        self.count = QLabel()
        self.count.setAccessibleName("Worklist size")
        self.model = PagedModel(
            ws,
            [
                Column("Priority", lambda r: f"{r.priority:.0f}"),
                Column("Patient", lambda r: r.name),
                Column("Risk", lambda r: r.band),
                Column("Status", lambda r: r.status),
                Column("Due work", due_text, due_text),
                Column("Why", lambda r: "; ".join(r.reasons), lambda r: "\n".join(r.reasons)),
            ],
            self._fetcher(),
            page_size=100,
            parent=self,
        )
        self.model.urgent = is_urgent
        self.view = table_view(self.model, "Worklist")
        size_columns(self.view, [10, 26, 10, 13, 40])
        self.view.activated.connect(lambda _index: self.open_selected())
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.count)
        layout.addWidget(self.view)

    def _criteria(self) -> dict[str, Any]:
        who = self.filters["who"].currentData()
        return {
            "coordinator_id": self.ws.user.id if who == "mine" else None,
            "status": self.filters["status"].currentData() or None,
            "band": self.filters["band"].currentData() or None,
        }

    def _fetcher(self) -> Any:
        worklist, criteria = self.ws.desk.worklist, self._criteria()

        def fetch(limit: int, offset: int, _last: Any) -> list[Any]:
            return worklist.rows(limit, offset, **criteria)

        return fetch

    def _filters_changed(self) -> None:
        for key, combo in self.filters.items():
            self.ws.prefs.set(f"today/{key}", combo.currentData())
        self.load()

    def load(self) -> None:
        self.model.reload(self._fetcher())
        worklist, criteria = self.ws.desk.worklist, self._criteria()
        self.ws.run(
            lambda: worklist.count(**criteria),
            lambda n: self.count.setText(f"{n} patient(s) on the worklist."),
        )

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
