"""From the chart's Care plan tab: suggestions after an assessment, and applying a template.

:class:`SuggestionsDialog` lists what the findings suggest, each with its reason; the
coordinator accepts (as proposed or edited) or dismisses with a reason. Nothing enters the plan
without that click. :class:`ApplyTemplateDialog` shows a template tailored for the patient,
every tailoring rule with its source and whether it applies, then applies it on request.
All database work runs on the worker through ``desk.suggestions`` and ``desk.templates``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.suggestions import edit_proposal
from careDesk.errors import CareDeskError
from careDesk.model.plan import Owner
from careDesk.security.roles import Permission
from careDesk.words import labelled, say, schedule
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

OWNERS = tuple((o.value, say(o)) for o in Owner)


def describe(body: Any, rules: Any = ()) -> str:
    """A template (or a suggestion's proposal) as plain lines for a preview."""
    lines: list[str] = []
    for rule in rules:
        mark = "✔ applies" if rule.applies else "✘ does not apply"
        lines.append(f"Rule ({mark}): {rule.rule}\n    Source: {rule.source}")
    for problem in body.problems:
        lines.append(f"Problem: {problem.description}")
        for goal in problem.goals:
            target = f" — {goal.measure}: {goal.target}" if goal.target else ""
            lines.append(f"  Goal: {goal.description}{target} (about {goal.weeks} weeks)")
            lines.append(f"    In the patient's words: {goal.patient_words['en']}")
            for act in goal.activities:
                when = f" · {schedule(act.schedule)}" if act.schedule else ""
                lines.append(
                    f"    • {labelled(act.kind, act.description)} · {say(act.owner)}{when}"
                )
    for follow in body.follow_ups:
        repeat = f", then {schedule(follow.rrule)}" if follow.rrule else ""
        lines.append(f"Follow-up: {follow.title} (in {follow.start_days} days{repeat})")
    return "\n".join(lines)


class SuggestionsDialog(QDialog):
    """Suggested plan items for one patient: accept, accept edited, or dismiss with a reason."""

    loaded = Signal()

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.patient_id = ws, patient_id
        self.setWindowTitle("Suggestions for the care plan")
        self.model = RowModel(
            [
                Column("Suggestion", lambda s: s.title),
                Column("Why", lambda s: s.reason, lambda s: s.reason),
            ],
            self,
        )
        self.view = table_view(self.model, "Suggestions")
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("What would be added")
        self.status = QLabel("Looking at the latest findings…")
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot in (
            ("accept", "Accept", self.accept_selected),
            ("edit", "Edit, then accept…", self.edit_selected),
            ("dismiss", "Dismiss…", self.dismiss_selected),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch()
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 2)
        layout.addWidget(self.detail, 1)
        layout.addLayout(bar)
        self._selected()

    def load(self) -> None:
        """Fetch the open suggestions (read only: nothing is written)."""
        suggestions, pid = self.ws.desk.suggestions, self.patient_id
        self.ws.run(lambda: suggestions.for_patient(pid), self._show, self._failed)

    def _show(self, rows: list[Any]) -> None:
        self.model.set_rows(rows)
        self.status.setText(
            f"{len(rows)} suggestion(s). Nothing is added to the plan until you accept it."
            if rows
            else "No suggestions: the latest findings ask for nothing new."
        )
        if rows:
            self.view.selectRow(0)
        self._selected()
        self.loaded.emit()

    def _failed(self, error: CareDeskError) -> None:
        self.status.setText(error.message)
        self.loaded.emit()

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self, *_args: object) -> None:
        row = self.selected()
        editable = self.ws.can(Permission.EDIT)
        for button in self.buttons.values():
            button.setEnabled(row is not None and editable)
        self.detail.setPlainText(describe(row.proposal) if row is not None else "")

    def accept_selected(self) -> None:
        """Put the selected suggestion into the plan as proposed."""
        row = self.selected()
        if row is None:
            return
        suggestions, pid = self.ws.desk.suggestions, self.patient_id
        self.ws.run(lambda: suggestions.accept(pid, row.id), lambda _r: self.load(), self._failed)

    def edit_selected(self) -> FormDialog | None:
        """Change what is added (wording, owner, timing), then accept."""
        row = self.selected()
        if row is None:
            return None
        act = row.proposal.problems[0].goals[0].activities
        first = act[0] if act else None
        fields = [
            Field("description", "What", default=first.description if first else "", required=True),
            Field(
                "owner",
                "Who does it",
                "choice",
                OWNERS,
                default=first.owner if first else "coordinator",
            ),
            Field("due_days", "Due in (days)", "int", default=first.due_days or 0 if first else 0),
        ]
        if row.proposal.follow_ups:
            fields.append(
                Field(
                    "follow_up_days",
                    "Follow-up in (days)",
                    "int",
                    default=row.proposal.follow_ups[0].start_days,
                )
            )
        suggestions, pid = self.ws.desk.suggestions, self.patient_id

        def accept(values: dict[str, Any]) -> Any:
            edited = edit_proposal(row.proposal, **values)
            return suggestions.accept(pid, row.id, edited).value

        dialog = FormDialog(self.ws, "Edit, then accept", fields, accept, self, ok_text="Accept")
        dialog.saved.connect(lambda _r: self.load())
        dialog.open()
        return dialog

    def dismiss_selected(self) -> FormDialog | None:
        """Set the suggestion aside with a reason (remembered for this finding)."""
        row = self.selected()
        if row is None:
            return None
        suggestions, pid = self.ws.desk.suggestions, self.patient_id
        dialog = FormDialog(
            self.ws,
            "Dismiss the suggestion",
            [Field("reason", "Why it does not fit", required=True)],
            lambda v: suggestions.dismiss(pid, row.id, v.get("reason") or "").value,
            self,
            ok_text="Dismiss",
        )
        dialog.saved.connect(lambda _r: self.load())
        dialog.open()
        return dialog


class ApplyTemplateDialog(QDialog):
    """Pick a template, see it tailored for the patient with the rules shown, apply it."""

    previewed = Signal()
    applied = Signal(object)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.patient_id = ws, patient_id
        self.setWindowTitle("Apply a care plan template")
        self.choice = QComboBox()
        self.choice.setAccessibleName("Template")
        self.choice.currentIndexChanged.connect(self.preview)
        self.preview_text = QPlainTextEdit()
        self.preview_text.setReadOnly(True)
        self.preview_text.setAccessibleName("Template tailored for this patient")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("Apply to the plan")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(self.apply_button)
        bar.addStretch()
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.preview_text, 1)
        layout.addWidget(self.status)
        layout.addLayout(bar)

    def load(self) -> None:
        """Fill the template list."""
        templates = self.ws.desk.templates
        self.ws.run(templates.catalog, self._fill, self._failed)

    def _fill(self, rows: list[Any]) -> None:
        self.choice.blockSignals(True)
        for row in rows:
            owner = "" if row.shipped else " (clinic)"
            self.choice.addItem(f"{row.title}{owner}", row.id)
        self.choice.blockSignals(False)
        self.preview()

    def select(self, template_id: str) -> None:
        """Choose a template by id (the preview follows)."""
        self.choice.setCurrentIndex(self.choice.findData(template_id))

    def preview(self, *_args: object) -> None:
        """Show the chosen template tailored for this patient, with its rules."""
        template_id = self.choice.currentData()
        if not template_id:
            return
        templates, pid = self.ws.desk.templates, self.patient_id
        self.apply_button.setEnabled(False)
        self.ws.run(lambda: templates.preview(pid, template_id), self._previewed, self._failed)

    def _previewed(self, tailored: Any) -> None:
        self.preview_text.setPlainText(describe(tailored.body, tailored.rules))
        self.apply_button.setEnabled(True)
        self.previewed.emit()

    def apply(self) -> None:
        """Apply the chosen template to the patient's plan."""
        template_id = self.choice.currentData()
        templates, pid = self.ws.desk.templates, self.patient_id
        self.apply_button.setEnabled(False)
        self.ws.run(lambda: templates.apply(pid, template_id).value, self._applied, self._failed)

    def _applied(self, result: Any) -> None:
        added = result.applied
        self.status.setText(
            f"Added {added.problems} problem(s), {added.goals} goal(s), {added.activities} "
            f"activities and {len(added.follow_up_ids)} follow-up(s)."
        )
        self.apply_button.setEnabled(True)
        self.applied.emit(result)

    def _failed(self, error: CareDeskError) -> None:
        self.status.setText(error.message)
        self.apply_button.setEnabled(True)
