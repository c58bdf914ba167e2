"""Reports: the evaluation metrics as a dashboard of bar charts, each exportable to CSV.

Caseload, risk mix, overdue work, goals met, utilization before/after enrollment, screening,
care-management minutes (patients reaching 20/40/60 minutes), the CCM codes those minutes
support per month (units of CPT 99490/99439, 99491/99437, 99487/99489 and patients with minutes
but no code, as ``desk.ccm`` counts them; ``caredesk ccm`` says why), discharges by reason, and
treat to target: PHQ-9 response and remission at 6 months (NCQA HEDIS DRR-E) and the share of
diabetes and blood-pressure registry patients at goal (``desk.measures.outcome_rates``).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.paths import open_private
from careDesk.security.roles import Permission
from careDesk.words import say
from ui import qt_values
from ui.charts import BarChart
from ui.pages.base import Page
from ui.qt_values import to_date
from ui.workspace import Workspace

SECTIONS = (
    ("caseload by status", "Caseload by status"),
    ("caseload by risk band", "Risk mix (open caseload)"),
    ("overdue work", "Overdue work"),
    ("goals", "Goals"),
    ("utilization before/after enrollment", "Utilization 6 months before / after enrollment"),
    ("screening", "Screening"),
    ("care-management minutes", "Care-management minutes (patients reaching each threshold)"),
    ("CCM codes supported", "CCM codes supported (units per month)"),
    ("discharges by reason", "Discharges by reason"),
    ("treat to target", "Treat to target (PHQ-9 HEDIS DRR-E at 6 months; patients at goal)"),
)


BAND_ORDER = {"high": 0, "moderate": 1, "low": 2}


def _words(metric: str) -> str:
    """A metric's name in words ("ed_before" → "emergency visits before", "phq9 taken" →
    "PHQ-9 depression taken"): each word that is a stored code is said in words."""
    return " ".join(say(part) for part in metric.split(" "))


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows of (section, metric, value) as a CSV file with a header."""
    with open_private(path, "w", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["section", "metric", "value"])
        writer.writeheader()
        writer.writerows(rows)


class ReportCard(QWidget):
    """One metric section: its chart and an Export CSV button."""

    def __init__(self, section: str, title: str, page: ReportsPage) -> None:
        super().__init__()
        self.section = section
        self.chart = BarChart(title)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAccessibleName(f"Export {title} as CSV")
        self.export_button.clicked.connect(lambda: page.export(section))
        layout = QVBoxLayout(self)
        layout.addWidget(self.chart)
        layout.addWidget(self.export_button)


class ReportsPage(Page):
    """The dashboard for a chosen period."""

    watches = kinds(
        Kind.PATIENT,
        Kind.RISK_SCORE,
        Kind.FOLLOW_UP,
        Kind.GOAL,
        Kind.OBSERVATION,
        Kind.SCREENER_RESULT,
        Kind.TIMELINE_ENTRY,
        Kind.TRANSITION,
        Kind.TIME_ENTRY,
        Kind.CONDITION,
        Kind.PLAN_VERSION,
    )

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.report: Any = None
        today = qt_values.today()
        self.start = QDateEdit(today.addDays(-90))
        self.end = QDateEdit(today)
        for edit, name in ((self.start, "From"), (self.end, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self.load)
        self.export_all = QPushButton("Export all as CSV…")
        self.export_all.clicked.connect(lambda: self.export(""))
        self.export_all.setVisible(ws.can(Permission.EXPORT))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        bar = QHBoxLayout()
        for widget in (QLabel("From"), self.start, QLabel("to"), self.end, self.export_all):
            bar.addWidget(widget)
        bar.addStretch()
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        self.cards: dict[str, ReportCard] = {}
        for index, (section, title) in enumerate(SECTIONS):
            card = ReportCard(section, title, self)
            card.export_button.setVisible(ws.can(Permission.EXPORT))
            self.cards[section] = card
            grid.addWidget(card, index // 2, index % 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)

    def period(self) -> tuple[date, date]:
        return to_date(self.start.date()), to_date(self.end.date())

    def load(self) -> None:
        metrics = self.ws.desk.metrics
        start, end = self.period()
        self.ws.run(lambda: metrics.report(start, end), self._show)

    def _show(self, report: Any) -> None:
        self.report = report
        rows = report.to_rows()
        for section, card in self.cards.items():
            bars = [(r["metric"], r["value"]) for r in rows if r["section"] == section]
            numeric = [(_words(m), v) for m, v in bars if isinstance(v, int | float)]
            if section == "caseload by risk band":
                numeric.sort(key=lambda bar: BAND_ORDER.get(bar[0], 9))
            if section == "treat to target":
                rates = [(m.removesuffix(" %"), v) for m, v in numeric if m.endswith("%")]
                card.chart.set_bars(rates, "%")
                continue
            if section == "screening":
                numeric = [(m, v * 100 if "rate" in m else v) for m, v in numeric if "rate" in m]
                card.chart.set_bars([(m.replace(" positive rate", ""), v) for m, v in numeric], "%")
                continue
            card.chart.set_bars(numeric)
        text = (
            f"Screening coverage {report.screening_coverage:.0%} of enrolled patients; "
            f"{report.overdue_follow_ups} overdue follow-ups; {report.goals_met} goals met."
        )
        t = report.treat_to_target
        if t is not None and t.depression_index:
            text += (
                f" PHQ-9 at 6 months: {t.rate(t.response, t.depression_index):.0%} response, "
                f"{t.rate(t.remission, t.depression_index):.0%} remission "
                f"({t.depression_index} episodes)."
            )
        self.summary.setText(text)

    def export(self, section: str, path: Path | None = None) -> Path | None:
        """Write a section's rows (or all, for "") to a CSV file the user chooses."""
        if self.report is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Export CSV", "caredesk-report.csv", "CSV (*.csv)"
            )
            if not name:
                return None
            path = Path(name)
        rows = [r for r in self.report.to_rows() if not section or r["section"] == section]
        write_csv(path, rows)
        return path
