"""Family and caregivers on the chart: who they are, what each may be told, and what they get
from the clinic (issue 20), with the dialogs that change them and the patient's own consent
per channel.

The rules are the core's (``careDesk/care/forms/patient.py``, ``careDesk/schedule/caregivers``):
a caregiver's channel is refused until the patient agrees they get messages; the dialog shows
the reason beside the field.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.languages import patient_languages
from careDesk.model.patient import MAY_BE_TOLD
from careDesk.schedule import caregivers, recipients
from careDesk.schedule.caregivers import CHANNEL_WORDS
from careDesk.security.roles import Permission
from ui.actionbar import ActionBar
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

TOLD = tuple((value, value) for value in MAY_BE_TOLD)
# What each answer means for messages (careDesk.schedule.rules.TOLD): reminders need
# "appointments" or "everything"; the handout copy names conditions, so only "everything".
GETS = (
    ("everything", "everything: appointment reminders and handout copies"),
    ("appointments", "appointments: appointment reminders only"),
    ("nothing", "nothing: no messages"),
)
MEMBER_FIELDS = [
    Field("name", "Name", required=True),
    Field("relationship", "Relationship", required=True, placeholder="daughter, spouse…"),
    Field("caregiver", "Caregiver", "bool"),
    Field("legal_representative", "Legal representative", "bool"),
    Field("emergency_contact", "Emergency contact", "bool"),
    Field("phone", "Phone"),
    Field("email", "E-mail"),
    Field("may_be_told", "May be told", "choice", TOLD, default="nothing"),
    Field("notes", "Notes", "long"),
]
CHANNEL_CHOICES = (
    (None, "(none)"),
    ("sms", "text message"),
    ("whatsapp", "WhatsApp"),
    ("email", "e-mail"),
)
MESSAGING_FIELDS = [
    Field("receives_messages", "The patient agrees this person gets messages", "bool"),
    Field("consent_sms", "Consented to text messages", "bool"),
    Field("consent_whatsapp", "Consented to WhatsApp", "bool"),
    Field("consent_email", "Consented to e-mail", "bool"),
    Field("preferred_channel", "Reminders by", "choice", CHANNEL_CHOICES),
    Field("may_be_told", "May be told", "choice", GETS, default="nothing"),
    Field("language", "Language", "choice", ((None, "(the patient's)"), *patient_languages())),
]
PATIENT_CONSENT_FIELDS = [
    Field("consent_phone", "Phone calls", "bool"),
    Field("consent_sms", "Text messages", "bool"),
    Field("consent_whatsapp", "WhatsApp", "bool"),
    Field("consent_email", "E-mail", "bool"),
    Field("consent_letter", "Letters", "bool"),
]
CHANNEL_FIELDS = ("consent_sms", "consent_whatsapp", "consent_email", "preferred_channel")


def consent_dialog(ws: Workspace, patient: Any, parent: QWidget) -> FormDialog:
    """The patient's consent per channel (audited as ``patient.consent``); the header shows it
    once saved, and a STOP reply takes it away again at once."""
    patients, pid = ws.desk.patients, patient.id
    dialog = FormDialog(
        ws,
        "Contact consent",
        PATIENT_CONSENT_FIELDS,
        lambda values: patients.set_consent(pid, **values).value,
        parent,
    )
    dialog.prefill({f.name: getattr(patient, f.name) for f in PATIENT_CONSENT_FIELDS})
    _show_stops(ws, dialog, pid, None)
    dialog.open()
    return dialog


def _show_stops(ws: Workspace, dialog: FormDialog, patient_id: str, member_id: str | None) -> None:
    """Name the channels whose address replied STOP: ticking them again sends nothing there
    until that address sends START."""
    note = QLabel()
    note.setObjectName("stops")
    note.setWordWrap(True)
    note.setVisible(False)
    layout = dialog.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(1, note)
    desk = ws.desk

    def show(found: dict[str, str]) -> None:
        lines = [f"{CHANNEL_WORDS[c]}: {reason}." for c, reason in found.items()]
        note.setText("\n".join(lines))
        note.setVisible(bool(lines))

    ws.run(lambda: recipients.stopped(desk, patient_id, member_id), show)


def messaging_dialog(ws: Workspace, member: Any, parent: QWidget) -> FormDialog:
    """A caregiver's messaging settings. Unticking the patient's agreement clears and locks
    the channels: the caregiver's own consent counts only with it."""
    desk, mid = ws.desk, member.id
    dialog = FormDialog(
        ws,
        f"Messages to {member.name}",
        MESSAGING_FIELDS,
        lambda values: caregivers.set_messaging(desk, mid, **values).value,
        parent,
    )
    dialog.prefill({f.name: getattr(member, f.name) for f in MESSAGING_FIELDS})
    agreed = dialog.widgets["receives_messages"]
    assert isinstance(agreed, QCheckBox)

    def follow(on: bool) -> None:
        for name in CHANNEL_FIELDS:
            if not on:
                dialog.set_value(name, False if name != "preferred_channel" else None)
            dialog.widgets[name].setEnabled(on)

    agreed.toggled.connect(follow)
    follow(agreed.isChecked())
    _show_stops(ws, dialog, member.patient_id, mid)
    dialog.open()
    return dialog


class FamilyPanel(QWidget):
    """The patient's family with what each may be told and gets; add, edit, messaging
    settings and remove (for those who may edit)."""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.model = RowModel(
            [
                Column("Name", lambda m: m.name),
                Column("Relationship", lambda m: _roles(m)),
                Column("Phone", lambda m: m.phone or ""),
                Column("May be told", lambda m: m.may_be_told),
                Column("Gets from the clinic", lambda m: "; ".join(caregivers.gets(m)) or "—"),
            ],
            self,
        )
        self.view = table_view(self.model, "Family and caregivers")
        self.view.setMinimumHeight(90)
        bar = ActionBar("Family actions")
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("add", "Add family member…", self.add_member),
            ("edit", "Edit…", self.edit_selected),
            ("messages", "Messaging settings…", self.messaging_selected),
            ("remove", "Remove", self.remove_selected),
        ):
            button = bar.add(text, slot)
            button.setVisible(ws.can(Permission.EDIT))
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(bar)

    def show_family(self, members: list[Any]) -> None:
        self.model.set_rows(members)

    def select(self, member_id: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == member_id:
                self.view.selectRow(row)

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def add_member(self) -> FormDialog:
        patients, pid = self.ws.desk.patients, self.patient_id
        dialog = FormDialog(
            self.ws,
            "Add a family member or caregiver",
            MEMBER_FIELDS,
            lambda values: patients.add_family(pid, **values).value,
            self,
        )
        dialog.open()
        return dialog

    def edit_selected(self) -> FormDialog | None:
        member = self.selected()
        if member is None:
            return None
        patients, mid = self.ws.desk.patients, member.id
        dialog = FormDialog(
            self.ws,
            f"Edit {member.name}",
            MEMBER_FIELDS,
            lambda values: patients.update_family(mid, **values).value,
            self,
        )
        dialog.prefill({f.name: getattr(member, f.name) for f in MEMBER_FIELDS})
        dialog.open()
        return dialog

    def messaging_selected(self) -> FormDialog | None:
        member = self.selected()
        return messaging_dialog(self.ws, member, self) if member is not None else None

    def remove_selected(self) -> None:
        member = self.selected()
        if member is not None:
            patients, mid = self.ws.desk.patients, member.id
            self.ws.run(lambda: patients.remove_family(mid))


def _roles(member: Any) -> str:
    roles = [
        word
        for flag, word in (
            ("caregiver", "caregiver"),
            ("legal_representative", "legal representative"),
            ("emergency_contact", "emergency contact"),
        )
        if getattr(member, flag)
    ]
    return ", ".join([member.relationship, *roles])
