"""Outreach rules: who may be contacted on which channel, when, and how retries back off."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from careDesk.model.patient import Patient, ProgramStatus

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)


def backoff(attempts: int) -> timedelta:
    """Delay before retry number ``attempts`` (1, 5, 15, 60 minutes, then 3 and 6 hours)."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def consent_problem(patient: Patient, channel: str) -> str | None:
    """Why ``channel`` may not be used for ``patient``, or None when it may."""
    if patient.deceased_on is not None:
        return "the patient has died"
    if patient.status in (ProgramStatus.DISCHARGED, ProgramStatus.TRANSITIONED):
        return "the patient has left the program"
    consent = {
        "email": patient.consent_email,
        "sms": patient.consent_sms,
        "letter": patient.consent_letter,
        "phone": patient.consent_phone,
    }[channel]
    if not consent:
        return f"no consent on file for {channel}"
    if channel == "email" and not patient.email:
        return "no e-mail address on file"
    if channel in ("sms", "phone") and not patient.phone_digits:
        return "no phone number on file"
    if channel == "letter" and not patient.address_line:
        return "no postal address on file"
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
