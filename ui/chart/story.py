"""Story: what matters to the patient, their own goals, lifestyle, family and caregivers,
social needs and mental health (from the latest screeners)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.instruments import SHORT_NAMES, domain_labels, instrument
from careDesk.errors import CareDeskError
from ui.chart.base import ChartTab
from ui.workspace import Workspace

STORY_FIELDS = (
    ("what_matters", "What matters most to the patient"),
    ("own_goals", "The patient's own goals"),
    ("lifestyle", "Lifestyle (food, activity, smoking, alcohol)"),
    ("family_support", "Family and caregiver support"),
)


def social_needs_text(screeners: list[Any]) -> str:
    """Positive social-needs domains from the latest AHC-HRSN, in words."""
    labels = domain_labels(instrument("ahc_hrsn"))
    for result in screeners:
        if result.instrument == "ahc_hrsn":
            found = [labels.get(d, d) for d in json.loads(result.positive_domains or "[]")]
            when = f"{result.taken_at.astimezone():%Y-%m-%d}"
            return f"{', '.join(found) or 'no needs found'} (screened {when})"
    return "Not screened yet."


def mental_health_text(screeners: list[Any]) -> str:
    """The latest PHQ-9/PHQ-2/GAD-7 results, in words."""
    parts = []
    for r in screeners:
        if r.instrument in ("phq9", "phq2", "gad7"):
            band = r.band or ("positive" if r.positive else "negative")
            when = f"{r.taken_at.astimezone():%Y-%m-%d}"
            parts.append(f"{SHORT_NAMES[r.instrument]} {r.total} ({band}) on {when}")
    return "; ".join(parts) or "Not screened yet."


class StoryTab(ChartTab):
    """The patient's story in their words, fed from the chart."""

    title = "Story"

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.edits: dict[str, QPlainTextEdit] = {}
        form = QFormLayout()
        for key, label in STORY_FIELDS:
            edit = QPlainTextEdit()
            edit.setAccessibleName(label)
            edit.setTabChangesFocus(True)
            edit.setReadOnly(not self.editable)
            self.edits[key] = edit
            form.addRow(f"{label}:", edit)
        self.save = QPushButton("Save story")
        self.save.setVisible(self.editable)
        self.save.clicked.connect(self.submit)
        self.message = QLabel()
        self.family = QLabel()
        self.family.setWordWrap(True)
        self.social = QLabel()
        self.social.setWordWrap(True)
        self.mental = QLabel()
        self.mental.setWordWrap(True)
        facts = QGroupBox("Family, social needs and mental health")
        facts_form = QFormLayout(facts)
        facts_form.addRow("Family and caregivers:", self.family)
        facts_form.addRow("Social needs:", self.social)
        facts_form.addRow("Mental health:", self.mental)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save)
        layout.addWidget(self.message)
        layout.addWidget(facts)

    def show_chart(self, chart: Any) -> None:
        for key, edit in self.edits.items():
            edit.setPlainText(getattr(chart.patient, key) or "")
        members = [
            f"{m.name} ({m.relationship}{', caregiver' if m.caregiver else ''}"
            f"{', ' + m.phone if m.phone else ''}{_messages(m)})"
            for m in chart.family
        ]
        self.family.setText("; ".join(members) or "None recorded.")
        self.social.setText(social_needs_text(chart.screeners))
        self.mental.setText(mental_health_text(chart.screeners))

    def submit(self) -> None:
        patients, pid = self.ws.desk.patients, self.patient_id
        values = {k: e.toPlainText().strip() or None for k, e in self.edits.items()}
        self.ws.run(
            lambda: patients.set_story(pid, **values).value,
            lambda _r: self.message.setText("Saved."),
            self._failed,
        )

    def _failed(self, error: CareDeskError) -> None:
        self.message.setText(error.message)


def _messages(member: Any) -> str:
    """ ", gets reminders by text" when the patient agreed this person gets messages."""
    if not getattr(member, "receives_messages", False):
        return ""
    channel = {"sms": "text", "email": "e-mail", "whatsapp": "WhatsApp"}.get(
        member.preferred_channel or "sms", "text"
    )
    return f", gets messages by {channel} (may be told: {member.may_be_told})"
