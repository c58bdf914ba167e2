"""Story: what matters to the patient, their own goals, lifestyle, family and caregivers,
and what the latest screeners found, one line per heading the instrument registry names
(mental health, alcohol use, social needs…)."""

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

from careDesk.care.instruments import Instrument, all_instruments, domain_labels
from careDesk.errors import CareDeskError
from ui.chart.base import ChartTab
from ui.workspace import Workspace

STORY_FIELDS = (
    ("what_matters", "What matters most to the patient"),
    ("own_goals", "The patient's own goals"),
    ("lifestyle", "Lifestyle (food, activity, smoking, alcohol)"),
    ("family_support", "Family and caregiver support"),
)


def _result_words(inst: Instrument, result: Any) -> str:
    when = f"{result.taken_at.astimezone():%Y-%m-%d}"
    if not inst.has_total:
        labels = domain_labels(inst)
        found = [labels.get(d, d) for d in json.loads(result.positive_domains or "[]")]
        return f"{inst.short_name}: {', '.join(found) or 'no needs found'} (screened {when})"
    band = result.band or ("positive" if result.positive else "negative")
    total = "" if result.total is None else f" {result.total}"
    return f"{inst.short_name}{total} ({band}) on {when}"


def screening_lines(screeners: list[Any]) -> list[tuple[str, str]]:
    """One line per story heading of the instrument registry (mental health, alcohol use,
    social needs…), from the latest result of each instrument under it."""
    latest: dict[str, Any] = {}
    for result in screeners:  # newest first
        latest.setdefault(result.instrument, result)
    lines: dict[str, list[str]] = {}
    for inst in all_instruments():
        parts = lines.setdefault(inst.story, [])
        if inst.id in latest:
            parts.append(_result_words(inst, latest[inst.id]))
    return [(story, "; ".join(parts) or "Not screened yet.") for story, parts in lines.items()]


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
        facts = QGroupBox("Family and what the screeners found")
        facts_form = QFormLayout(facts)
        facts_form.addRow("Family and caregivers:", self.family)
        self.screening: dict[str, QLabel] = {}
        for story, _text in screening_lines([]):
            line = QLabel()
            line.setWordWrap(True)
            line.setAccessibleName(story)
            self.screening[story] = line
            facts_form.addRow(f"{story}:", line)
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
        for story, text in screening_lines(chart.screeners):
            self.screening[story].setText(text)

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
