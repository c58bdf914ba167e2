"""The forms of the clinical tab: add, correct and take off the list a condition, a medicine or
an allergy. Each is a :class:`~ui.dialogs.FormDialog` that runs its core verb on the worker.

Taking an entry off the list asks why, and the core audits the reason: only "entered in error"
deletes; a medicine no longer taken is stopped and a resolved condition or allergy is marked
resolved, both kept in the history (``careDesk.care.clinical_removal``). Nothing is removed
until the person picks a reason and presses Remove.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from careDesk.care.clinical_removal import REASONS
from careDesk.changes import Outcome
from ui.dialogs import Field, FormDialog
from ui.workspace import Workspace

CONDITION_STATUSES = (
    ("active", "Active"),
    ("recurrence", "Recurrence"),
    ("relapse", "Relapse"),
    ("inactive", "Inactive"),
    ("remission", "In remission"),
    ("resolved", "Resolved"),
)
SEVERITIES = (
    (None, "Not recorded"),
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("severe", "Severe"),
)
ALLERGY_STATUSES = (("active", "Active"), ("inactive", "Inactive"), ("resolved", "Resolved"))

CONDITION_FIELDS = [
    Field("display", "Condition", required=True),
    Field("icd10", "ICD-10-CM code", placeholder="e.g. E11.9"),
    Field("snomed", "SNOMED CT code"),
    Field("onset", "Onset", "date"),
    Field("chronic", "Chronic", "bool", default=True),
]
CONDITION_EDIT_FIELDS = [
    *CONDITION_FIELDS,
    Field("abated", "Resolved on", "date"),
    Field("status", "Status", "choice", CONDITION_STATUSES, required=True),
]
MEDICATION_FIELDS = [
    Field("name", "Medicine", required=True),
    Field("ingredient", "Ingredient", placeholder="e.g. metformin"),
    Field("dose", "Dose", placeholder="e.g. 500 mg"),
    Field("purpose", "What it is for", placeholder="e.g. for blood sugar"),
    Field("prescriber", "Prescriber"),
    Field("slots", "When (morning, noon, evening, bedtime)", placeholder="e.g. morning,evening"),
    Field("every_hours", "Or every N hours", "int"),
    Field("as_needed", "Only when needed", "bool"),
    Field("as_needed_for", "Needed for"),
]
ALLERGY_FIELDS = [
    Field("substance", "Substance", required=True, placeholder="e.g. penicillin"),
    Field("reaction", "Reaction", placeholder="e.g. hives"),
    Field("severity", "Severity", "choice", SEVERITIES),
]
ALLERGY_EDIT_FIELDS = [
    *ALLERGY_FIELDS,
    Field("status", "Status", "choice", ALLERGY_STATUSES, required=True),
]
REASON_WORDS = {
    "entered_in_error": "Entered in error: delete it",
    "no_longer_taking": "No longer taking: stop it today, keep it in the history",
    "resolved": "Resolved: keep it, marked resolved",
}
WHAT = {"condition": "condition", "medication": "medicine", "allergy": "allergy"}


def add_dialog(
    ws: Workspace, kind: str, patient_id: str, parent: QWidget | None = None
) -> FormDialog:
    """A form to add a condition, medicine or allergy for the patient."""
    clinical = ws.desk.clinical
    actions: dict[str, tuple[Sequence[Field], Callable[[dict[str, Any]], Any]]] = {
        "condition": (CONDITION_FIELDS, lambda v: clinical.add_condition(patient_id, **v).value),
        "medication": (
            MEDICATION_FIELDS,
            lambda v: clinical.add_medication(patient_id, **_without_zero_hours(v)).value,
        ),
        "allergy": (ALLERGY_FIELDS, lambda v: clinical.add_allergy(patient_id, **v).value),
    }
    fields, action = actions[kind]
    dialog = FormDialog(ws, f"Add {_a(kind)}", fields, action, parent)
    dialog.open()
    return dialog


def edit_dialog(ws: Workspace, kind: str, row: Any, parent: QWidget | None = None) -> FormDialog:
    """A form filled with the entry as recorded; Save changes only what was changed."""
    clinical, record_id = ws.desk.clinical, row.id
    actions: dict[str, tuple[Sequence[Field], Callable[[dict[str, Any]], Any]]] = {
        "condition": (
            CONDITION_EDIT_FIELDS,
            lambda v: clinical.update_condition(record_id, **v).value,
        ),
        "medication": (
            MEDICATION_FIELDS,
            lambda v: clinical.update_medication(record_id, **_hours_cleared(v)).value,
        ),
        "allergy": (ALLERGY_EDIT_FIELDS, lambda v: clinical.update_allergy(record_id, **v).value),
    }
    fields, action = actions[kind]
    dialog = FormDialog(ws, f"Correct the {WHAT[kind]}", fields, action, parent)
    dialog.prefill(row.model_dump())
    dialog.open()
    return dialog


class RemoveDialog(FormDialog):
    """Why the entry comes off the list, under the question of what will be removed."""

    def __init__(
        self,
        ws: Workspace,
        kind: str,
        label: str,
        action: Callable[[dict[str, Any]], Any],
        parent: QWidget | None = None,
    ) -> None:
        choices = [(None, "Choose a reason…")] + [(r, REASON_WORDS[r]) for r in REASONS[kind]]
        fields = [Field("reason", "Why", "choice", choices, required=True)]
        title = f"Take the {WHAT[kind]} off the list"
        super().__init__(ws, title, fields, action, parent, ok_text="Remove")
        self.question = QLabel(
            f'Take {label} off the list? Only "entered in error" deletes it; otherwise it '
            "stays in the history. The reason is kept in the audit trail."
        )
        self.question.setWordWrap(True)
        self.question.setAccessibleName("What will be removed")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.question)


def remove_dialog(
    ws: Workspace, kind: str, row: Any, label: str, parent: QWidget | None = None
) -> RemoveDialog:
    """Ask why the entry comes off the list; Remove sends the reason to the core."""
    clinical, record_id = ws.desk.clinical, row.id
    removers: dict[str, Callable[..., Outcome[Any]]] = {
        "condition": clinical.remove_condition,
        "medication": clinical.remove_medication,
        "allergy": clinical.remove_allergy,
    }
    remove = removers[kind]
    dialog = RemoveDialog(
        ws, kind, label, lambda v: remove(record_id, reason=v["reason"]).value, parent
    )
    dialog.open()
    return dialog


def _a(kind: str) -> str:
    word = WHAT[kind]
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _without_zero_hours(values: dict[str, Any]) -> dict[str, Any]:
    """A new medicine: 0 in "every N hours" means none given."""
    if not values.get("every_hours"):
        values.pop("every_hours", None)
    return values


def _hours_cleared(values: dict[str, Any]) -> dict[str, Any]:
    """A corrected medicine: 0 in "every N hours" clears it, and emptied times of day are no
    times of day (the record keeps an empty list, never none)."""
    if not values.get("every_hours"):
        values["every_hours"] = None
    if "slots" in values and values["slots"] is None:
        values["slots"] = ""
    return values
