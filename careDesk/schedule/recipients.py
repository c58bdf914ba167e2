"""Who a message goes to, at which address, and why it may not go (consent, opt-out).

Checked twice: when a message is queued and again just before it is sent, so consent withdrawn
in between (a STOP reply, a change on the chart) or a new phone number is honoured by every
message still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from careDesk.model.fields import phone_digits
from careDesk.model.outreach import OptOut
from careDesk.model.patient import FamilyMember, Patient
from careDesk.schedule import rules, whatsapp

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass(frozen=True)
class OutreachSettings:
    """The settings outreach needs, read before a write transaction opens (a second session
    may not open inside one)."""

    values: dict[str, str]

    @classmethod
    def read(cls, desk: Desk) -> OutreachSettings:
        return cls(desk.settings.all())

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def quiet_hours(self) -> tuple[time, time]:
        start = self.get("outreach.quiet_start") or "20:00"
        end = self.get("outreach.quiet_end") or "08:00"
        return time.fromisoformat(start), time.fromisoformat(end)


@dataclass(frozen=True)
class Recipient:
    """A message's addressee: the patient, or one of their caregivers (``member``)."""

    patient: Patient
    member: FamilyMember | None
    channel: str
    address: str | None
    problem: str | None

    @property
    def language(self) -> str:
        return (self.member.language if self.member else None) or self.patient.language


def address_key(channel: str, address: str) -> str:
    """How an address is compared: a phone number's digits, an e-mail in lower case."""
    if channel == "email":
        return address.strip().lower()
    return phone_digits(address) or address.strip()


def opt_out(session: Session, channel: str, address: str | None) -> OptOut | None:
    """The live opt-out of ``address`` on ``channel``, if it replied STOP."""
    if not address:
        return None
    query = select(OptOut).where(
        OptOut.channel == channel,
        OptOut.address == address_key(channel, address),
        col(OptOut.deleted_at).is_(None),
    )
    return session.exec(query).first()


def opted_out_reason(row: OptOut) -> str:
    return (
        f"this address replied {row.keyword.upper()} on {row.since:%Y-%m-%d}: no messages on "
        "this channel until it sends START"
    )


def _address(
    channel: str, phone: str | None, email: str | None, settings: OutreachSettings
) -> str | None:
    if channel == "email":
        return email
    if channel == "whatsapp":
        return whatsapp.to_digits(phone, settings.get("whatsapp.country_code"))
    return phone if channel in ("sms", "phone") else None


def resolve(
    session: Session,
    settings: OutreachSettings,
    patient: Patient,
    member: FamilyMember | None,
    channel: str,
    template: str,
) -> Recipient:
    """The recipient as the record stands now, with the reason it may not be used."""
    if member is None:
        problem = rules.consent_problem(patient, channel)
        address = _address(channel, patient.phone, patient.email, settings)
    else:
        problem = rules.caregiver_problem(patient, member, channel, template)
        address = _address(channel, member.phone, member.email, settings)
    if problem is None and channel == "whatsapp" and address is None:
        problem = (
            "the phone number has no country code for WhatsApp: write it as +<country> <number>"
            " or set whatsapp.country_code"
        )
    if problem is None and channel in ("email", "sms", "whatsapp"):
        stopped = opt_out(session, channel, address)
        if stopped is not None:
            problem = opted_out_reason(stopped)
    return Recipient(patient, member, channel, address, problem)
