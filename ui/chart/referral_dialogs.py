"""The referral dialogs: a new referral to someone on the care team or in the directory, a
dated step with a note, an ending with its reason, and a resource referral whose picker puts
the resources that answer the need first (``careDesk/care/resource_match.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from careDesk.care.referral_recipients import Recipient
from careDesk.care.referral_rules import endings_from
from careDesk.care.referrals import ReferralRead
from careDesk.care.resource_match import rank_for_need
from careDesk.model.referral import NeedDomain
from ui.dialogs import Field, FormDialog
from ui.workspace import Workspace

URGENCY = (("routine", "routine"), ("soon", "soon"), ("urgent", "urgent"))
#: What the button says for each next step (the step order itself lives in the core).
STEP_WORDS: dict[str, str] = {
    "sent": "Mark as sent",
    "accepted": "Mark as accepted",
    "seen": "Mark as seen",
    "report_received": "Record the report",
    "completed": "Mark as completed",
}
ENDING_WORDS: dict[str, str] = {
    "completed": "completed",
    "declined": "declined",
    "no_show": "did not attend (no-show)",
    "cancelled": "cancelled",
    "closed": "closed",
}
NEED_WORDS: dict[str, str] = {
    "financial_strain": "money",
    "family_community_support": "family and community support",
    "crisis": "crisis (danger now)",
}
NEEDS = tuple((n.value, NEED_WORDS.get(n.value, n.value.replace("_", " "))) for n in NeedDomain)
SOMEONE_ELSE = ""


def state_words(referral: ReferralRead) -> str:
    """The referral's state in plain words ("sent", "declined", "report received")."""
    if referral.state == "closed":
        return ENDING_WORDS[referral.ending or "closed"]
    return referral.state.replace("_", " ")


def new_referral(
    ws: Workspace, patient_id: str, choices: list[Recipient], parent: QWidget
) -> FormDialog:
    """A new referral: pick the recipient from the care team or directory, or type a name."""
    picked = {c.key: c for c in choices}
    options = (
        (SOMEONE_ELSE, "someone else (type the name below)"),
        *((c.key, c.label) for c in choices),
    )
    fields = [
        Field("recipient", "Refer to", "choice", options, default=SOMEONE_ELSE),
        Field("to_name", "Name (someone else)"),
        Field("specialty", "Specialty"),
        Field("reason", "Reason", "long", required=True),
        Field("urgency", "Urgency", "choice", URGENCY, default="routine"),
        Field("expected_by", "Expected by", "date", placeholder="default: by its urgency"),
    ]
    referrals = ws.desk.referrals

    def create(values: dict[str, Any]) -> Any:
        chosen = picked.get(values.pop("recipient") or SOMEONE_ELSE)
        if chosen is not None:  # what was typed wins over what the choice brings
            values = {k: v for k, v in chosen.fields.items() if v is not None} | values
        return referrals.create(patient_id, **values).value

    dialog = FormDialog(ws, "New referral", fields, create, parent)
    dialog.open()
    return dialog


def step_dialog(ws: Workspace, referral: ReferralRead, step: str, parent: QWidget) -> FormDialog:
    """Record the referral's next step (or its completion) with its day and a note."""
    referrals = ws.desk.referrals
    words = STEP_WORDS[step]
    fields = [
        Field("on", "On (today or earlier)", "date", default=f"{date.today():%Y-%m-%d}"),
        Field("note", "Note", "long"),
    ]

    def record(values: dict[str, Any]) -> Any:
        if step == "completed":
            return referrals.end(referral.id, step, on=values["on"], reason=values["note"]).value
        return referrals.advance(referral.id, step, on=values["on"], note=values["note"]).value

    dialog = FormDialog(ws, f"{words}: {referral.to_name}", fields, record, parent, ok_text=words)
    for name in ("on", "note"):
        dialog.prefilled.add(name)  # always passed, so the core reports a blank date
    dialog.open()
    return dialog


def end_dialog(ws: Workspace, referral: ReferralRead, parent: QWidget) -> FormDialog:
    """End the referral: declined, no-show, cancelled (or completed), with its day and why."""
    referrals = ws.desk.referrals
    endings = tuple((e.value, ENDING_WORDS[e.value]) for e in endings_from(referral.state))
    fields = [
        Field("ending", "How it ended", "choice", endings),
        Field("on", "On (today or earlier)", "date", default=f"{date.today():%Y-%m-%d}"),
        Field("reason", "Why", "long"),
    ]

    def end(values: dict[str, Any]) -> Any:
        return referrals.end(
            referral.id, values["ending"], on=values["on"], reason=values["reason"]
        ).value

    dialog = FormDialog(ws, f"End referral: {referral.to_name}", fields, end, parent)
    dialog.prefilled.update({"on", "reason"})
    dialog.open()
    return dialog


def resource_dialog(
    ws: Workspace, patient_id: str, directory: list[Any], parent: QWidget, need: str = "food"
) -> FormDialog:
    """Refer to a community resource: the need first, then the resources that answer it."""
    resources = ws.desk.resources
    fields = [
        Field("need", "Need", "choice", NEEDS, default=need),
        Field("resource_id", "Resource", "choice", _resource_choices(directory, need)),
    ]

    def refer(values: dict[str, Any]) -> Any:
        resource_id = values.pop("resource_id")
        return resources.refer(patient_id, resource_id, **values).value

    dialog = FormDialog(ws, "Refer to a community resource", fields, refer, parent)
    need_box, resource_box = dialog.widgets["need"], dialog.widgets["resource_id"]
    assert isinstance(need_box, QComboBox) and isinstance(resource_box, QComboBox)

    def rerank() -> None:
        resource_box.clear()
        for value, text in _resource_choices(directory, str(need_box.currentData())):
            resource_box.addItem(text, value)

    need_box.currentIndexChanged.connect(rerank)
    dialog.open()
    return dialog


def _resource_choices(directory: list[Any], need: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (r.id, f"{r.name} ({r.category.replace('_', ' ')})") for r in rank_for_need(directory, need)
    )
