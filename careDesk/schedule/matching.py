"""Whose reply is this? To no one rather than to the wrong person.

1. An e-mail that names a message careDesk sent (``In-Reply-To`` or ``References`` holds its
   recorded Message-ID) belongs to that message's recipient: the patient, or the caregiver.
2. Otherwise the sender's address: the one live patient or caregiver on file with that e-mail
   address or phone number. When several people share it (a couple's phone, a family inbox) or
   no one has it, the reply is left unmatched for a person to sort.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from careDesk.model.fields import phone_digits
from careDesk.model.outreach import MessageState, OutboxMessage
from careDesk.model.patient import FamilyMember, Patient
from careDesk.schedule.inbound import Incoming

Person = tuple[str, str | None]  # (patient id, family member id or None for the patient)


@dataclass(frozen=True)
class Match:
    person: Person | None
    answers: OutboxMessage | None  # the message it answers, when known
    how: str | None  # "reply header", "address", "phone number"
    reason: str | None  # why it is unmatched
    candidates: tuple[Person, ...]  # everyone the sender's address belongs to


def match(session: Session, incoming: Incoming) -> Match:
    """The person ``incoming`` is from, or an unmatched result with the reason."""
    if incoming.channel == "email" and incoming.refs:
        sent = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.external_id).in_(incoming.refs))
            .where(col(OutboxMessage.patient_id).is_not(None))
            .order_by(col(OutboxMessage.created_at).desc())
        ).first()
        if sent is not None and sent.patient_id is not None and _on_file(session, sent):
            person = (sent.patient_id, sent.family_member_id)
            return Match(person, sent, "reply header", None, (person,))
    people = candidates(session, incoming.channel, incoming.sender)
    what = "address" if incoming.channel == "email" else "phone number"
    if len(people) == 1:
        answered = last_sent(session, people[0], incoming.channel)
        return Match(people[0], answered, what, None, people)
    if not people:
        return Match(None, None, None, f"no one on file has this {what}", people)
    return Match(None, None, None, f"{len(people)} people on file share this {what}", people)


def _on_file(session: Session, sent: OutboxMessage) -> bool:
    """Whether the person a message went to is still on file (not removed since)."""
    patient = session.get(Patient, sent.patient_id)
    if patient is None or patient.deleted_at is not None:
        return False
    if sent.family_member_id is None:
        return True
    member = session.get(FamilyMember, sent.family_member_id)
    return member is not None and member.deleted_at is None


def candidates(session: Session, channel: str, sender: str) -> tuple[Person, ...]:
    """Every live patient and family member whose e-mail or phone is ``sender``."""
    live_patients = select(Patient.id).where(col(Patient.deleted_at).is_(None))
    members = select(FamilyMember).where(
        col(FamilyMember.deleted_at).is_(None),
        col(FamilyMember.patient_id).in_(live_patients),
    )
    if channel == "email":
        address = sender.strip().lower()
        patients = session.exec(live_patients.where(func.lower(Patient.email) == address)).all()
        found = [m for m in session.exec(members.where(func.lower(FamilyMember.email) == address))]
    else:
        digits = phone_digits(sender)
        if not digits:
            return ()
        patients = session.exec(live_patients.where(Patient.phone_digits == digits)).all()
        with_phone = session.exec(members.where(col(FamilyMember.phone).is_not(None))).all()
        found = [m for m in with_phone if phone_digits(m.phone) == digits]
    people: list[Person] = [(pid, None) for pid in patients]
    people += [(m.patient_id, m.id) for m in found]
    return tuple(sorted(set(people), key=lambda p: (p[0], p[1] or "")))


def last_sent(session: Session, person: Person, channel: str) -> OutboxMessage | None:
    """The latest message careDesk sent this person on the reply's channel (what a text
    answers: a text has no header naming the message it answers)."""
    patient_id, member_id = person
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.patient_id == patient_id)
        .where(OutboxMessage.channel == channel)
        .where(col(OutboxMessage.state).in_((MessageState.SENT, MessageState.UNKNOWN)))
        .order_by(col(OutboxMessage.updated_at).desc())
    )
    if member_id is None:
        query = query.where(col(OutboxMessage.family_member_id).is_(None))
    else:
        query = query.where(OutboxMessage.family_member_id == member_id)
    return session.exec(query).first()
