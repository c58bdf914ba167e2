"""Measures: each of the patient's series with its latest value, the goal's target as a band and a
small trend plot, the values of the chosen series in a table beside them, the flags found in
the measurements and the linked goals' computed progress (``desk.measures.overview``).

A value older than its measure's look-back is shown as STALE, never as current. "Record a
measurement…" opens one short form (units chosen from a list, checked by the core); the PHQ-9 and
GAD-7 are recorded on the Screeners tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.measures.progress import Progress, series_for
from careDesk.care.measures.series import Point, Series
from careDesk.care.measures.service import MeasuresView
from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.chart.measure_form import MeasurementDialog
from ui.measure_plots import LANE_PIXELS, fill_plot, lane_at, new_plot
from ui.tables import Column, RowModel
from ui.views import size_columns, table_view
from ui.workspace import Workspace

URGENT_STYLE = "color: #a4262c; font-weight: bold;"


def _value(series: Series, p: Point) -> str:
    return series.format(p) if p.usable else ""


class MeasuresTab(ChartTab):
    """The patient's measurements against their goals; :attr:`shown` after each load."""

    shown = Signal()
    title = "Measures"
    watches = kinds(Kind.OBSERVATION, Kind.SCREENER_RESULT, Kind.GOAL, Kind.CARE_PLAN, Kind.ALERT)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.view: MeasuresView | None = None
        self.series: list[Series] = []
        self.record_button = QPushButton("Record a measurement…")
        self.record_button.clicked.connect(self.record)
        self.record_button.setVisible(self.editable)
        self.screener_button = QPushButton("PHQ-9 / GAD-7…")
        self.screener_button.setToolTip("Recorded with their questions on the Screeners tab")
        self.screener_button.clicked.connect(self.open_screeners)
        self.screener_button.setVisible(self.editable)
        self.summary = QLabel()
        self.summary.setAccessibleName("Measures summary")
        self.flags = QLabel()
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setAccessibleName("Flags from measurements")
        self.goals = QLabel()
        self.goals.setWordWrap(True)
        self.goals.setAccessibleName("Goal progress")
        self.plots, self.plot = new_plot()
        self.plots.setAccessibleName("Trend plots")
        self.plots.scene().sigMouseClicked.connect(self._plot_clicked)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.plots)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Series shown in the table")
        self.choice.currentIndexChanged.connect(self._show_table)
        self.model = RowModel(
            [
                Column("Date", lambda r: f"{r[1].at.astimezone():%Y-%m-%d}"),
                Column("Value", lambda r: _value(r[0], r[1])),
                Column("As recorded", lambda r: r[1].raw),
                Column("Note", lambda r: r[1].problem or ""),
            ],
            self,
        )
        self.model.urgent = lambda r: r[1].problem is not None
        self.table = table_view(self.model, "Values")
        size_columns(self.table, [15, 11, 14])
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.choice)
        column.addWidget(self.table)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 470])
        bar = QHBoxLayout()
        for widget in (self.record_button, self.screener_button, self.summary):
            bar.addWidget(widget)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.flags)
        layout.addWidget(self.goals)
        layout.addWidget(split, 1)

    def load(self) -> None:
        measures, pid = self.ws.desk.measures, self.patient_id
        self.ws.run(lambda: measures.overview(pid), self.show_view)

    def show_view(self, view: MeasuresView) -> None:
        """Show a loaded overview (also used by tests and the benchmark)."""
        self.view = view
        self.series = list(view.series)
        goals = self._goals_by_series(view)
        stale_flags = [view.is_stale(s) for s in self.series]
        fill_plot(self.plot, self.series, goals, stale_flags)
        self.plots.setMinimumHeight(max(1, len(self.series)) * LANE_PIXELS + 40)
        stale = sum(stale_flags)
        self.summary.setText(
            f"{len(self.series)} measure(s); {stale} stale" if self.series else "No measurements."
        )
        self._show_flags(view)
        self.goals.setText("\n".join(g.words() for g in view.progress))
        self.goals.setVisible(bool(view.progress))
        current = self.choice.currentIndex()
        self.choice.blockSignals(True)
        self.choice.clear()
        for s in self.series:
            self.choice.addItem(f"{s.display} ({len(s.points)})", s.key)
        self.choice.blockSignals(False)
        self.choose(current if 0 <= current < len(self.series) else 0)
        self.shown.emit()

    def _goals_by_series(self, view: MeasuresView) -> dict[str, Progress]:
        found: dict[str, Progress] = {}
        for goal in view.progress:
            series = series_for(goal.measure_loinc, self.series)
            if series is not None and series.key not in found:
                found[series.key] = goal
        return found

    def _show_flags(self, view: MeasuresView) -> None:
        recent = [f for f in view.flags if (view.now - f.at).days <= 30]
        lines = []
        for f in reversed(recent):
            style = URGENT_STYLE if f.severity == "urgent" else ""
            lines.append(f"<div style='{style}'>{f.severity.upper()}: {f.reason}</div>")
        self.flags.setText("".join(lines))
        self.flags.setToolTip("\n\n".join(f"{f.reason}\nSource: {f.source}" for f in recent))
        self.flags.setVisible(bool(lines))

    def _plot_clicked(self, event: Any) -> None:
        y = self.plot.vb.mapSceneToView(event.scenePos()).y()
        row = lane_at(len(self.series), y)
        if row is not None:
            self.choose(row)

    def choose(self, index: int) -> None:
        """Show series number ``index`` in the table."""
        if 0 <= index < len(self.series):
            if self.choice.currentIndex() != index:
                self.choice.setCurrentIndex(index)
            self._show_table()

    def _show_table(self) -> None:
        index = self.choice.currentIndex()
        if not 0 <= index < len(self.series):
            self.model.set_rows([])
            return
        series = self.series[index]
        self.model.set_rows([(series, p) for p in reversed(series.points)])

    # ----- actions ----------------------------------------------------------------------------
    def record(self) -> Any:
        dialog = MeasurementDialog(self.ws, self.patient_id, self)
        dialog.open()
        return dialog

    def open_screeners(self) -> None:
        self.ws.open_chart.emit(self.patient_id, "screeners")
