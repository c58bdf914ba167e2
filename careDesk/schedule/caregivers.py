"""Messages to families and caregivers (issue 20).

A caregiver gets a message only with the patient's agreement (``FamilyMember
.receives_messages``), within what they may be told (``may_be_told``: appointment reminders
for "appointments" or "everything"; a copy of the handout, which names conditions and
medicines, only for "everything"), and on a channel they consented to themselves. Every such
message is audited on the patient's record; a caregiver's STOP withdraws only their consent.
The rules are :func:`careDesk.schedule.rules.caregiver_problem`; HIPAA lets a provider share
what is relevant to a family member's involvement in care when the patient agrees (45 CFR
164.510(b)).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import NotFound, ValidationFailed
from careDesk.handouts.document import HandoutContent
from careDesk.handouts.render import render
from careDesk.model.outreach import MessageState
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.schedule import Appointment
from careDesk.schedule import rules, templates
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk
    from careDesk.schedule.outbox import MessageRow, Outbox

REMINDER = "caregiver_appointment_reminder"
HANDOUT = "caregiver_handout"
COPY_FOR = {"en": "Copy for {name}", "es": "Copia para {name}", "vi": "Bản sao cho {name}"}


def _receivers(desk: Desk, patient_id: str) -> list[FamilyMember]:
    """The patient's live caregivers the patient agreed may get messages."""
    with desk.reading() as session:
        return list(
            session.exec(
                select(FamilyMember).where(
                    FamilyMember.patient_id == patient_id,
                    col(FamilyMember.deleted_at).is_(None),
                    col(FamilyMember.receives_messages).is_(True),
                )
            )
        )


def appointment_reminders(
    outbox: Outbox, appointment: Appointment, patient: Patient, local: datetime, now: datetime
) -> int:
    """Queue the caregiver copy of one appointment's reminder (once per caregiver, ever);
    caregivers told nothing about appointments get none, and are not listed as blocked."""
    queued = 0
    for member in _receivers(outbox.desk, appointment.patient_id):
        if member.may_be_told not in rules.TOLD[REMINDER]:
            continue
        language = member.language or patient.language
        channel = member.preferred_channel or "sms"
        outcome = outbox.queue_for_caregiver(
            member.id,
            REMINDER,
            channel=channel,
            values={
                "date": templates.format_date(local, language),
                "time": templates.format_time(local, language),
                "place": appointment.place or "",
                "link": appointment.telehealth_url or "",
            },
            related_id=appointment.id,
            key=f"{REMINDER}:{appointment.id}:{member.id}:{channel}",
            now=now,
        )
        queued += outcome.value.state == MessageState.QUEUED and bool(outcome.changes)
    return queued


def _member_and_patient(desk: Desk, member_id: str) -> tuple[FamilyMember, Patient]:
    with desk.reading() as session:
        member = session.get(FamilyMember, member_id)
        patient = session.get(Patient, member.patient_id) if member else None
    if member is None or member.deleted_at is not None or patient is None:
        raise NotFound("family member", member_id)
    return member, patient


def _copy(desk: Desk, member: FamilyMember, language: str | None) -> HandoutContent:
    content = desk.handouts.patient_content(member.patient_id, language=language)
    line = COPY_FOR.get(content.language, COPY_FOR["en"]).format(name=member.name)
    frame = replace(content.frame, person_line=f"{content.frame.person_line} · {line}")
    return replace(content, frame=frame)


def printed_handout_copy(desk: Desk, member_id: str, language: str | None = None) -> bytes:
    """The patient's handout marked as the caregiver's copy, as PDF bytes; audited as a print
    on the patient's record naming the caregiver. Refused (naming why) unless the patient
    agreed and the caregiver may be told everything."""
    desk.require(Permission.PRINT)
    member, patient = _member_and_patient(desk, member_id)
    problem = rules.caregiver_problem(patient, member, None, HANDOUT)
    if problem:
        raise ValidationFailed("caregiver", problem)
    content = _copy(desk, member, language or member.language)
    data = render([content])
    with desk.writing(Permission.PRINT) as tx:
        tx.audit(
            "print",
            entity=content.kind,
            entity_id=patient.id,
            patient_id=patient.id,
            detail={"document": content.kind, "language": content.language, "caregiver": member.id},
        )
    return data


def email_handout_copy(
    desk: Desk, member_id: str, language: str | None = None, now: datetime | None = None
) -> MessageRow:
    """Queue the caregiver's copy of the handout as an e-mail attachment; refused (naming why)
    unless the patient agreed, the caregiver may be told everything and consented to e-mail."""
    desk.require(Permission.MESSAGE)
    member, patient = _member_and_patient(desk, member_id)
    problem = rules.caregiver_problem(patient, member, "email", HANDOUT)
    if problem:  # refused before the handout is rendered: it names conditions and medicines
        raise ValidationFailed("caregiver", problem)
    content = _copy(desk, member, language or member.language)
    outcome = desk.outbox.queue_for_caregiver(
        member.id,
        HANDOUT,
        channel="email",
        now=now,
        attachment=("care-handout.pdf", render([content])),
    )
    return outcome.value
