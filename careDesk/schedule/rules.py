"""Outreach rules: who may be contacted on which channel, when, and how retries back off."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from careDesk.model.patient import FamilyMember, Patient, ProgramStatus

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)


def backoff(attempts: int) -> timedelta:
    """Delay before retry number ``attempts`` (1, 5, 15, 60 minutes, then 3 and 6 hours)."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


# What a caregiver may be told (FamilyMember.may_be_told) covers which caregiver messages.
TOLD: dict[str, frozenset[str]] = {
    "caregiver_appointment_reminder": frozenset({"appointments", "everything"}),
    "caregiver_handout": frozenset({"everything"}),
}
MEMBER_CHANNELS = ("sms", "email", "whatsapp")


def _program_problem(patient: Patient) -> str | None:
    if patient.deleted_at is not None:
        return "the patient's record was removed"
    if patient.deceased_on is not None:
        return "the patient has died"
    if patient.status in (ProgramStatus.DISCHARGED, ProgramStatus.TRANSITIONED):
        return "the patient has left the program"
    return None


def consent_problem(patient: Patient, channel: str) -> str | None:
    """Why ``channel`` may not be used for ``patient``, or None when it may."""
    problem = _program_problem(patient)
    if problem:
        return problem
    consent = {
        "email": patient.consent_email,
        "sms": patient.consent_sms,
        "whatsapp": patient.consent_whatsapp,
        "letter": patient.consent_letter,
        "phone": patient.consent_phone,
    }[channel]
    if not consent:
        return f"no consent on file for {channel}"
    if channel == "email" and not patient.email:
        return "no e-mail address on file"
    if channel in ("sms", "phone", "whatsapp") and not patient.phone_digits:
        return "no phone number on file"
    if channel == "letter" and not patient.address_line:
        return "no postal address on file"
    return None


def caregiver_problem(
    patient: Patient, member: FamilyMember, channel: str | None, template: str
) -> str | None:
    """Why ``member`` may not get ``template`` on ``channel``, or None when they may: the
    patient agreed they get messages, the message is within what they may be told, and they
    consented to the channel themselves (``channel`` None: handed over on paper, no channel
    consent needed)."""
    problem = _program_problem(patient)
    if problem:
        return problem
    if member.deleted_at is not None or member.patient_id != patient.id:
        return "this family member is no longer on the patient's record"
    if not (member.caregiver or member.legal_representative):
        return "only caregivers and legal representatives get messages"
    if not member.receives_messages:
        return "the patient has not agreed that this caregiver gets messages"
    if member.may_be_told not in TOLD.get(template, frozenset()):
        return f"this caregiver may be told: {member.may_be_told}"
    if channel is None:
        return None
    if channel not in MEMBER_CHANNELS:
        return "caregivers get messages by text, WhatsApp or e-mail"
    consent = {
        "email": member.consent_email,
        "sms": member.consent_sms,
        "whatsapp": member.consent_whatsapp,
    }[channel]
    if not consent:
        return f"no consent from the caregiver for {channel}"
    if channel == "email" and not member.email:
        return "no e-mail address on file for the caregiver"
    if channel in ("sms", "whatsapp") and not member.phone:
        return "no phone number on file for the caregiver"
    return None


def after_quiet_hours(now: datetime, start: time, end: time, tz: tzinfo) -> datetime:
    """``now``, or when quiet hours (``start``–``end`` local time, may span midnight) end."""
    local = now.astimezone(tz)
    t = local.time()
    quiet = (start <= t or t < end) if start > end else (start <= t < end)
    if not quiet:
        return now
    day = local.date() if t < end else local.date() + timedelta(days=1)
    opening = datetime.combine(day, end, tzinfo=local.tzinfo)
    return opening.astimezone(now.tzinfo)
