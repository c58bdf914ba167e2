"""Registry: the treat-to-target registry (``desk.measures.registry``), one row per enrolled
patient with the baseline and latest score and dates, weeks in care, % change and the outcome —
not improving and overdue first, so the coordinator brings them to the psychiatric case review
or the clinician. A lazy :class:`PagedModel`; Enter opens the chart on its Measures tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from careDesk.care.measures.catalog import catalog
from careDesk.care.measures.outcomes import (
    BASELINE_ONLY,
    IN_TREATMENT,
    NO_SCORE,
    NOT_ELEVATED,
    NOT_IMPROVING,
    REMISSION,
    RESPONSE,
)
from careDesk.care.measures.registry import AT_GOAL, NO_RECENT, NOT_AT_GOAL
from careDesk.changes import Kind, kinds
from ui.pages.base import Page
from ui.tables import Column, PagedModel
from ui.views import size_columns, table_view
from ui.workspace import Workspace

SCORE_OUTCOMES = (NOT_IMPROVING, NO_SCORE, IN_TREATMENT, BASELINE_ONLY, NOT_ELEVATED, RESPONSE,
                  REMISSION)  # fmt: skip
TARGET_OUTCOMES = (NO_RECENT, NOT_AT_GOAL, AT_GOAL)
WHO = (("all", "all patients"), ("mine", "my patients"))


def _dated(value: str | None, at: Any) -> str:
    return f"{value} ({at:%Y-%m-%d})" if value and at else "—"


def needs_attention(row: Any) -> bool:
    """Not improving, or no score / no current value: shown in the urgent colour."""
    return bool(row.outcome == NOT_IMPROVING or row.overdue)


class RegistryPage(Page):
    """One registry at a time, most pressing first."""

    watches = kinds(
        Kind.RISK_SCORE, Kind.OBSERVATION, Kind.SCREENER_RESULT, Kind.PATIENT, Kind.GOAL
    )

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.registry = QComboBox()
        self.registry.setAccessibleName("Registry")
        for r in catalog().registries:
            self.registry.addItem(r.title, r.key)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.who = QComboBox()
        self.who.setAccessibleName("Whose patients")
        for value, text in WHO:
            self.who.addItem(text, value)
        saved = ws.prefs.text("registry/name", "depression")
        self.registry.setCurrentIndex(max(self.registry.findData(saved), 0))
        self._fill_outcomes()
        self.registry.currentIndexChanged.connect(self._registry_changed)
        self.outcome.currentIndexChanged.connect(self.load)
        self.who.currentIndexChanged.connect(self.load)
        self.open_button = QPushButton("Open chart")
        self.open_button.clicked.connect(self.open_selected)
        bar = QHBoxLayout()
        for widget in (self.registry, self.outcome, self.who):
            bar.addWidget(widget)
        bar.addStretch()
        bar.addWidget(self.open_button)
        self.count = QLabel()
        self.count.setAccessibleName("Registry size")
        self.model = PagedModel(
            ws,
            [
                Column("Patient", lambda r: r.name),
                Column("Baseline", lambda r: _dated(r.baseline, r.baseline_at)),
                Column("Latest", lambda r: _dated(r.latest, r.latest_at)),
                Column("Weeks", lambda r: "" if r.weeks is None else r.weeks),
                Column(
                    "Change",
                    lambda r: "" if r.change_percent is None else f"{r.change_percent:+.0f}%",
                ),
                Column("Outcome", lambda r: r.outcome + (" · overdue" if r.overdue else "")),
                Column("Target", lambda r: r.target or ""),
            ],
            self._fetcher(),
            page_size=100,
            parent=self,
        )
        self.model.urgent = needs_attention
        self.view = table_view(self.model, "Registry")
        size_columns(self.view, [26, 25, 25, 9, 10, 32])
        self.view.activated.connect(lambda _index: self.open_selected())
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.count)
        layout.addWidget(self.view)

    def _fill_outcomes(self) -> None:
        kind = catalog().registry(str(self.registry.currentData())).kind
        self.outcome.blockSignals(True)
        self.outcome.clear()
        self.outcome.addItem("any outcome", "")
        for outcome in SCORE_OUTCOMES if kind == "score" else TARGET_OUTCOMES:
            self.outcome.addItem(outcome, outcome)
        self.outcome.blockSignals(False)

    def _registry_changed(self) -> None:
        self.ws.prefs.set("registry/name", self.registry.currentData())
        self._fill_outcomes()
        self.load()

    def _criteria(self) -> dict[str, Any]:
        return {
            "name": str(self.registry.currentData()),
            "outcome": self.outcome.currentData() or None,
            "coordinator_id": self.ws.user.id if self.who.currentData() == "mine" else None,
        }

    def _fetcher(self) -> Any:
        measures, c = self.ws.desk.measures, self._criteria()

        def fetch(limit: int, offset: int, _last: Any) -> list[Any]:
            return measures.registry(
                c["name"], limit, offset, outcome=c["outcome"], coordinator_id=c["coordinator_id"]
            )

        return fetch

    def load(self) -> None:
        self.model.reload(self._fetcher())
        measures, c = self.ws.desk.measures, self._criteria()
        self.ws.run(
            lambda: measures.registry_count(
                c["name"], outcome=c["outcome"], coordinator_id=c["coordinator_id"]
            ),
            lambda n: self.count.setText(f"{n} patient(s) in this registry."),
        )

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.ws.open_chart.emit(row.patient_id, "measures")
