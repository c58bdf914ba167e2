"""The patient, their family and caregivers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from careDesk.model.base import Record

# ``source_system`` of the made-up patients of careDesk.care.demo (never sent to a clinic
# server without a person confirming: careDesk.sync.service.Sync.first_sync_sends).
DEMO_SOURCE = "careDesk demo"


class ProgramStatus(StrEnum):
    """Enrollment: candidate → enrolled → active → discharged/transitioned.

    See docs/architecture.md#the-care-process-in-the-code.
    """

    CANDIDATE = "candidate"
    ENROLLED = "enrolled"
    ACTIVE = "active"
    DISCHARGED = "discharged"
    TRANSITIONED = "transitioned"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    WHATSAPP = "whatsapp"


class Patient(Record, table=True):
    """A person in (or being considered for) the care management program."""

    __tablename__ = "patient"

    mrn: str = Field(max_length=40, index=True)  # unique per clinic: see registry._check_mrn
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100, index=True)
    preferred_name: str | None = Field(default=None, max_length=100)
    birth_date: date = Field(index=True)
    sex: str = Field(default="unknown", max_length=20)  # female, male, other, unknown
    gender_identity: str | None = Field(default=None, max_length=60)
    language: str = Field(default="en", max_length=10)  # BCP 47 primary tag: en, es, vi…
    interpreter_needed: bool = Field(default=False)
    phone: str | None = Field(default=None, max_length=40)
    phone_digits: str | None = Field(default=None, max_length=20, index=True)
    email: str | None = Field(default=None, max_length=200)
    address_line: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=40)
    postal_code: str | None = Field(default=None, max_length=20)
    timezone: str | None = Field(default=None, max_length=60)
    preferred_channel: str = Field(default=Channel.PHONE, max_length=10)
    consent_program: bool = Field(default=False)
    consent_program_on: date | None = None
    consent_sms: bool = Field(default=False)
    consent_email: bool = Field(default=False)
    consent_letter: bool = Field(default=True)
    consent_phone: bool = Field(default=True)
    consent_whatsapp: bool = Field(default=False)
    status: str = Field(default=ProgramStatus.CANDIDATE, max_length=20, index=True)
    status_changed_at: datetime | None = None
    enrolled_on: date | None = None
    coordinator_id: str | None = Field(default=None, max_length=36, index=True)
    what_matters: str | None = None
    own_goals: str | None = None
    lifestyle: str | None = None
    family_support: str | None = None
    deceased_on: date | None = None
    source_system: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class FamilyMember(Record, table=True):
    """Family, caregivers and contacts, with what they may be told."""

    __tablename__ = "family_member"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    relationship: str = Field(max_length=60)  # daughter, spouse, neighbour…
    caregiver: bool = Field(default=False)
    emergency_contact: bool = Field(default=False)
    legal_representative: bool = Field(default=False)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    may_be_told: str = Field(default="nothing", max_length=20)  # everything, appointments, nothing
    notes: str | None = None
    # Messages from the clinic (issue 20): the patient agreed this person receives them
    # (``receives_messages``), within ``may_be_told``, on the channels the person consented to.
    receives_messages: bool = Field(default=False)
    consent_sms: bool = Field(default=False)
    consent_email: bool = Field(default=False)
    consent_whatsapp: bool = Field(default=False)
    preferred_channel: str | None = Field(default=None, max_length=10)
    language: str | None = Field(default=None, max_length=10)
    source_id: str | None = Field(default=None, max_length=200, index=True)
