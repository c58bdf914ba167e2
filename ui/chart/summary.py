"""Summary: what a coordinator needs at a glance, the tab a chart opens on.

Problems, medicines (how many), allergies, latest measures, open follow-ups, the plan's goals,
open referrals, the risk reasons explained and the care team, from ``desk.summaries`` (core).
Each part is a labelled box whose text the keyboard can reach (Tab) and a screen reader reads
under the part's name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from careDesk.care.care_summary import CareSummary
from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.workspace import Workspace

#: (attribute of CareSummary, title, what to say when empty)
PARTS = (
    ("problems", "Problems", "No active problems recorded."),
    ("medicines", "Medicines", "No active medicines recorded."),
    ("allergies", "Allergies", "No allergies recorded — ask the patient."),
    ("measures", "Latest measures", "No measures yet."),
    ("follow_ups", "Open follow-ups", "No open follow-ups."),
    ("goals", "Care plan goals", "No care plan goals yet."),
    ("referrals", "Open referrals", "No open referrals."),
    ("reasons", "Why on the worklist", "No risk reasons."),
    ("care_team", "Care team", "No care team recorded."),
)


class SummaryTab(ChartTab):
    """The chart at a glance (the first tab)."""

    title = "Summary"
    watches = kinds(
        Kind.CONDITION,
        Kind.MEDICATION,
        Kind.ALLERGY,
        Kind.OBSERVATION,
        Kind.SCREENER_RESULT,
        Kind.FOLLOW_UP,
        Kind.CARE_PLAN,
        Kind.GOAL,
        Kind.REFERRAL,
        Kind.RISK_SCORE,
        Kind.CARE_TEAM_MEMBER,
    )

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.boxes: dict[str, QGroupBox] = {}
        self.texts: dict[str, QLabel] = {}
        body = QWidget()
        grid = QGridLayout(body)
        for n, (key, title, _empty) in enumerate(PARTS):
            box = QGroupBox(title)
            text = QLabel("…")
            text.setWordWrap(True)
            text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            text.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByKeyboard
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            text.setAccessibleName(title)
            QVBoxLayout(box).addWidget(text)
            self.boxes[key], self.texts[key] = box, text
            grid.addWidget(box, n // 2, n % 2)
        grid.setRowStretch(len(PARTS) // 2 + 1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def load(self) -> None:
        summaries, pid = self.ws.desk.summaries, self.patient_id
        self.ws.run(lambda: summaries.for_patient(pid), self.show_summary)

    def show_summary(self, summary: CareSummary) -> None:
        """Fill each part; a count in the title where it helps (medicines, problems…)."""
        for key, title, empty in PARTS:
            lines: list[str] = getattr(summary, key)
            counted = key in ("problems", "medicines", "allergies", "follow_ups", "referrals")
            self.boxes[key].setTitle(f"{title} ({len(lines)})" if counted else title)
            self.texts[key].setText("\n".join(f"• {line}" for line in lines) or empty)
            self.texts[key].setAccessibleName(self.boxes[key].title())

    def text_of(self, key: str) -> str:
        """What one part says (for tests and screen readers)."""
        return self.texts[key].text()
