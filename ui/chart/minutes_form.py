"""The "Log call…" and "Add note…" forms with what billing needs (issue 19): when it happened
(now or earlier), minutes, billing category, whose minutes they are, and the open follow-up
it answers. The staff and follow-up choices are filled from the worker once the form is open;
the category starts on the one the patient's latest minutes were logged under (else CCM)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from careDesk.care.billing_codes import CATEGORIES, BillingCategory
from careDesk.model.base import utcnow
from ui.dialogs import Field, FormDialog
from ui.workspace import Workspace

OUTCOMES = (("reached", "reached"), ("voicemail", "left a voicemail"), ("no_answer", "no answer"))
DIRECTIONS = (("out", "I called the patient"), ("in", "The patient called"))
CATEGORY_CHOICES = tuple((c.key.value, c.label) for c in CATEGORIES)
NO_FOLLOW_UP = (None, "none")
#: Fields dropped when no minutes are given (they describe the minutes).
MINUTE_FIELDS = ("minutes", "category", "staff_id")


def _local(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}" if moment is not None else ""


def billing_fields(me: tuple[str, str]) -> list[Field]:
    """When, minutes, category, staff member and the follow-up answered."""
    return [
        Field("at", "When", "datetime", default=utcnow()),
        Field("minutes", "Minutes spent", "int"),
        Field("category", "Billing category", "choice", CATEGORY_CHOICES, BillingCategory.CCM),
        Field("staff_id", "Whose minutes", "choice", (me,), default=me[0]),
        Field("follow_up_id", "Completes follow-up", "choice", (NO_FOLLOW_UP,)),
    ]


def note_fields(me: tuple[str, str]) -> list[Field]:
    return [
        Field("summary", "Note", required=True),
        Field("body", "Details", "long"),
        *billing_fields(me),
    ]


def call_fields(me: tuple[str, str]) -> list[Field]:
    return [
        Field("direction", "Call", "choice", DIRECTIONS, default="out"),
        Field("outcome", "Outcome", "choice", OUTCOMES, default="reached"),
        Field("summary", "What was said"),
        *billing_fields(me),
    ]


def minutes_values(values: dict[str, Any]) -> dict[str, Any]:
    """What the core takes: without minutes, no category or staff member; no follow-up chosen
    is left out."""
    if not values.get("minutes"):
        for name in MINUTE_FIELDS:
            values.pop(name, None)
    if values.get("follow_up_id") is None:
        values.pop("follow_up_id", None)
    return values


class MinutesDialog(FormDialog):
    """A note or call form whose staff and follow-up choices load on the worker."""

    def __init__(
        self,
        ws: Workspace,
        title: str,
        fields: list[Field],
        action: Callable[[dict[str, Any]], Any],
        patient_id: str,
        parent: QWidget | None = None,
        *,
        follow_up_id: str | None = None,
    ) -> None:
        super().__init__(ws, title, fields, lambda v: action(minutes_values(v)), parent)
        self.choices_loaded = False
        self._wanted_follow_up = follow_up_id
        self._category_chosen = False  # the person picked a category: never overridden
        category = self.widgets["category"]
        assert isinstance(category, QComboBox)
        category.activated.connect(lambda _index: setattr(self, "_category_chosen", True))
        desk = ws.desk

        def fetch() -> tuple[list[Any], list[Any], str | None]:
            users = [u for u in desk.users.list() if not u.disabled]
            latest = desk.timeline.time_entries(patient_id)
            last = latest[0].category if latest else None
            return users, desk.followups.open_for_patient(patient_id), last

        ws.run(fetch, self._fill, parent=self)

    def fill_timer(self, minutes: int, started: datetime) -> None:
        """Minutes and start time from the chart's timer."""
        self.set_value("minutes", minutes)
        self.set_value("at", started)

    def _fill(self, found: tuple[list[Any], list[Any], str | None]) -> None:
        users, follow_ups, last_category = found
        category = self.widgets["category"]
        assert isinstance(category, QComboBox)
        if last_category and not self._category_chosen:
            # The patient's usual program (a BHI patient's minutes are rarely CCM), shown.
            category.setCurrentIndex(max(category.findData(last_category), 0))
        staff = self.widgets["staff_id"]
        assert isinstance(staff, QComboBox)
        chosen = staff.currentData()
        staff.clear()
        for u in users:
            staff.addItem(f"{u.display_name} ({u.role})", u.id)
        staff.setCurrentIndex(max(staff.findData(chosen), 0))
        box = self.widgets["follow_up_id"]
        assert isinstance(box, QComboBox)
        for f in follow_ups:
            box.addItem(f"{f.title} (due {_local(f.due_at)})", f.id)
        if self._wanted_follow_up is not None:
            box.setCurrentIndex(max(box.findData(self._wanted_follow_up), 0))
        self.choices_loaded = True
