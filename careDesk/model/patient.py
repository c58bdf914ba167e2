"""The patient, their family and caregivers.

``PatientBase`` and ``FamilyMemberBase`` declare each field once, with its column size and
rule (``careDesk/model/fields.py``); the tables derive from them, and so do the forms and
read models (``careDesk/care/forms/patient.py``, ``careDesk/care/registry.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import (
    BirthDate,
    Email,
    Language,
    Lines,
    Mrn,
    PastDay,
    Phone,
    TimeZoneName,
    one_of,
)

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


SEXES = ("female", "male", "other", "unknown")
MAY_BE_TOLD = ("everything", "appointments", "nothing")
MEMBER_CHANNELS = ("sms", "email", "whatsapp")  # a caregiver's messages (issue 20)


class PatientBase(SQLModel):
    """A person in (or being considered for) the care management program."""

    # Filled in by the core, never typed: the phone's digits for search (from ``phone``) and
    # when the program status last changed.
    set_by_core: ClassVar[frozenset[str]] = frozenset({"phone_digits", "status_changed_at"})

    mrn: Mrn = Field(max_length=40, index=True)  # unique per clinic: see registry._check_mrn
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100, index=True)
    preferred_name: str | None = Field(default=None, max_length=100)
    birth_date: BirthDate = Field(index=True)
    sex: Annotated[str, one_of(SEXES)] = Field(default="unknown", max_length=20)
    gender_identity: str | None = Field(default=None, max_length=60)
    language: Language = Field(default="en", max_length=10)  # BCP 47: en, es, vi, zh-TW…
    interpreter_needed: bool = Field(default=False)
    phone: Phone | None = Field(default=None, max_length=40)
    phone_digits: str | None = Field(default=None, max_length=20, index=True)
    email: Email | None = Field(default=None, max_length=200)
    address_line: Lines | None = Field(default=None, max_length=200)  # "1 Main St\nApt 2"
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=40)
    postal_code: str | None = Field(default=None, max_length=20)
    timezone: TimeZoneName | None = Field(default=None, max_length=60)
    preferred_channel: Annotated[str, one_of(Channel)] = Field(default=Channel.PHONE, max_length=10)
    consent_program: bool = Field(default=False)
    consent_program_on: PastDay | None = None
    consent_sms: bool = Field(default=False)
    consent_email: bool = Field(default=False)
    consent_letter: bool = Field(default=True)
    consent_phone: bool = Field(default=True)
    consent_whatsapp: bool = Field(default=False)
    status: Annotated[str, one_of(ProgramStatus)] = Field(
        default=ProgramStatus.CANDIDATE, max_length=20, index=True
    )
    status_changed_at: datetime | None = None
    enrolled_on: PastDay | None = None
    coordinator_id: str | None = Field(default=None, max_length=36, index=True)
    what_matters: Lines | None = None
    own_goals: Lines | None = None
    lifestyle: Lines | None = None
    family_support: Lines | None = None
    deceased_on: PastDay | None = None
    source_system: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Patient(PatientBase, Record, table=True):
    __tablename__ = "patient"


class FamilyMemberBase(SQLModel):
    """Family, caregivers and contacts, with what they may be told."""

    name: str = Field(max_length=200)
    relationship: str = Field(max_length=60)  # daughter, spouse, neighbour…
    caregiver: bool = Field(default=False)
    emergency_contact: bool = Field(default=False)
    legal_representative: bool = Field(default=False)
    phone: Phone | None = Field(default=None, max_length=40)
    email: Email | None = Field(default=None, max_length=200)
    may_be_told: Annotated[str, one_of(MAY_BE_TOLD)] = Field(default="nothing", max_length=20)
    notes: Lines | None = None
    # Messages from the clinic (issue 20): the patient agreed this person receives them
    # (``receives_messages``), within ``may_be_told``, on the channels the person consented to.
    receives_messages: bool = Field(default=False)
    consent_sms: bool = Field(default=False)
    consent_email: bool = Field(default=False)
    consent_whatsapp: bool = Field(default=False)
    preferred_channel: Annotated[str, one_of(MEMBER_CHANNELS)] | None = Field(
        default=None, max_length=10
    )
    language: Language | None = Field(default=None, max_length=10)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class FamilyMember(FamilyMemberBase, PatientOwned, Record, table=True):
    __tablename__ = "family_member"
