"""Input forms for the patient, their consent, their story, and their family and caregivers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from careDesk.care.forms.base import Form
from careDesk.care.forms.fields import (
    AddressLines,
    BirthDate,
    Email,
    Language,
    LongText,
    Mrn,
    Name,
    PastDate,
    Phone,
    Text40,
    Text60,
    Text100,
    Text200,
    TimeZoneName,
)
from careDesk.errors import ValidationFailed
from careDesk.model.patient import Channel, ProgramStatus

Sex = Literal["female", "male", "other", "unknown"]
MayBeTold = Literal["everything", "appointments", "nothing"]
MemberChannel = Literal["sms", "email", "whatsapp"]  # a caregiver's messages (issue 20)
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]

STORY_FIELDS = ("what_matters", "own_goals", "lifestyle", "family_support")
CONSENT_CHANNELS = {
    Channel.SMS: "consent_sms",
    Channel.EMAIL: "consent_email",
    Channel.LETTER: "consent_letter",
    Channel.PHONE: "consent_phone",
    Channel.WHATSAPP: "consent_whatsapp",
}


class PatientCreate(Form):
    """A new patient: identity, contacts, preferences (status defaults to candidate)."""

    mrn: Mrn
    given_name: Name
    family_name: Name
    preferred_name: Name | None = None
    birth_date: BirthDate
    sex: Sex = "unknown"
    gender_identity: Text60 | None = None
    language: Language = "en"
    interpreter_needed: bool = False
    phone: Phone | None = None
    email: Email | None = None
    address_line: AddressLines | None = None
    city: Text100 | None = None
    state: Text40 | None = None
    postal_code: PostalCode | None = None
    timezone: TimeZoneName | None = None
    preferred_channel: Channel = Channel.PHONE
    status: ProgramStatus = ProgramStatus.CANDIDATE
    consent_program: bool = False
    consent_program_on: PastDate | None = None
    consent_sms: bool = False
    consent_email: bool = False
    consent_letter: bool = True
    consent_phone: bool = True
    consent_whatsapp: bool = False
    enrolled_on: PastDate | None = None
    coordinator_id: Text40 | None = None
    what_matters: LongText | None = None
    own_goals: LongText | None = None
    lifestyle: LongText | None = None
    family_support: LongText | None = None
    deceased_on: PastDate | None = None
    source_system: Text200 | None = None
    source_id: Text200 | None = None


class PatientUpdate(Form):
    """Changes to identity, contacts and preferences; only the fields set are applied.

    Status, consent, coordinator and story have their own verbs (and audit actions).
    """

    mrn: Mrn | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    preferred_name: Name | None = None
    birth_date: BirthDate | None = None
    sex: Sex | None = None
    gender_identity: Text60 | None = None
    language: Language | None = None
    interpreter_needed: bool | None = None
    phone: Phone | None = None
    email: Email | None = None
    address_line: AddressLines | None = None
    city: Text100 | None = None
    state: Text40 | None = None
    postal_code: PostalCode | None = None
    timezone: TimeZoneName | None = None
    preferred_channel: Channel | None = None
    deceased_on: PastDate | None = None


PATIENT_REQUIRED = {
    "mrn",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "language",
    "interpreter_needed",
    "preferred_channel",
}


CONSENT_FLAGS = {
    "consent_program",
    "consent_sms",
    "consent_email",
    "consent_letter",
    "consent_phone",
    "consent_whatsapp",
}


class ConsentUpdate(Form):
    """Program consent (with its date) and consent per outreach channel."""

    consent_program: bool | None = None
    consent_program_on: PastDate | None = None
    consent_sms: bool | None = None
    consent_email: bool | None = None
    consent_letter: bool | None = None
    consent_phone: bool | None = None
    consent_whatsapp: bool | None = None


class StoryUpdate(Form):
    """The patient's story in their words: what matters, own goals, lifestyle, family support."""

    what_matters: LongText | None = None
    own_goals: LongText | None = None
    lifestyle: LongText | None = None
    family_support: LongText | None = None


class FamilyMemberCreate(Form):
    """A relative, caregiver or contact, and what they may be told."""

    name: Text200
    relationship: Text60
    caregiver: bool = False
    emergency_contact: bool = False
    legal_representative: bool = False
    phone: Phone | None = None
    email: Email | None = None
    may_be_told: MayBeTold = "nothing"
    notes: LongText | None = None
    source_id: Text200 | None = None
    receives_messages: bool = False
    consent_sms: bool = False
    consent_email: bool = False
    consent_whatsapp: bool = False
    preferred_channel: MemberChannel | None = None
    language: Language | None = None


class FamilyMemberUpdate(Form):
    """Changes to a family member or caregiver; only the fields set are applied."""

    name: Text200 | None = None
    relationship: Text60 | None = None
    caregiver: bool | None = None
    emergency_contact: bool | None = None
    legal_representative: bool | None = None
    phone: Phone | None = None
    email: Email | None = None
    may_be_told: MayBeTold | None = None
    notes: LongText | None = None
    receives_messages: bool | None = None
    consent_sms: bool | None = None
    consent_email: bool | None = None
    consent_whatsapp: bool | None = None
    preferred_channel: MemberChannel | None = None
    language: Language | None = None


FAMILY_REQUIRED = {
    "name",
    "relationship",
    "caregiver",
    "emergency_contact",
    "legal_representative",
    "may_be_told",
    "receives_messages",
    "consent_sms",
    "consent_email",
    "consent_whatsapp",
}


@dataclass(frozen=True)
class Rule:
    """A rule across fields: ``broken(values)`` means refuse, naming ``field``.

    It is checked only when one of ``about`` changes, so a record that came in without it
    (e.g. imported) can still have its other fields edited.
    """

    about: frozenset[str]
    field: str
    reason: str
    broken: Callable[[Mapping[str, Any]], bool]


def _rule(about: str, field: str, reason: str, broken: Callable[[Mapping[str, Any]], bool]) -> Rule:
    return Rule(frozenset(about.split()), field, reason, broken)


CONSENT_RULES = (
    _rule(
        "consent_sms phone",
        "consent_sms",
        "consent to texts needs a phone number",
        lambda v: bool(v.get("consent_sms") and not v.get("phone")),
    ),
    _rule(
        "consent_email email",
        "consent_email",
        "consent to e-mail needs an e-mail address",
        lambda v: bool(v.get("consent_email") and not v.get("email")),
    ),
    _rule(
        "consent_whatsapp phone",
        "consent_whatsapp",
        "consent to WhatsApp needs a phone number",
        lambda v: bool(v.get("consent_whatsapp") and not v.get("phone")),
    ),
    _rule(
        "consent_program consent_program_on",
        "consent_program_on",
        "give the date of program consent",
        lambda v: bool(v.get("consent_program")) and v.get("consent_program_on") is None,
    ),
    _rule(
        "consent_program consent_program_on",
        "consent_program_on",
        "only set with program consent",
        lambda v: not v.get("consent_program") and v.get("consent_program_on") is not None,
    ),
)
PATIENT_RULES = (
    *CONSENT_RULES,
    _rule(
        "birth_date deceased_on",
        "deceased_on",
        "cannot be before the birth date",
        lambda v: (
            None not in (v.get("birth_date"), v.get("deceased_on"))
            and v["deceased_on"] < v["birth_date"]
        ),
    ),
    _rule(
        "preferred_channel phone",
        "preferred_channel",
        "texts need a phone number first",
        lambda v: (
            v.get("preferred_channel") in (Channel.SMS, Channel.WHATSAPP) and not v.get("phone")
        ),
    ),
    _rule(
        "preferred_channel email",
        "preferred_channel",
        "e-mail needs an e-mail address first",
        lambda v: v.get("preferred_channel") == Channel.EMAIL and not v.get("email"),
    ),
    _rule(
        "status consent_program",
        "consent_program",
        "record program consent before enrolling",
        lambda v: (
            v.get("status") in (ProgramStatus.ENROLLED, ProgramStatus.ACTIVE)
            and not v.get("consent_program")
        ),
    ),
)


def check_rules(rules: Iterable[Rule], values: Mapping[str, Any], changed: Iterable[str]) -> None:
    """Refuse the first broken rule among those about a ``changed`` field.

    ``values`` is the record as it will be saved (an update merged over the stored row).
    """
    touched = set(changed)
    for rule in rules:
        if rule.about & touched and rule.broken(values):
            raise ValidationFailed(rule.field, rule.reason)


def consent_defaults(values: dict[str, Any], given: set[str], today: date) -> dict[str, Any]:
    """Program consent given without a date means today; withdrawing it clears the date
    (unless a date was ``given`` too, which the consent rules then refuse)."""
    if values.get("consent_program") and values.get("consent_program_on") is None:
        values["consent_program_on"] = today
    if values.get("consent_program") is False and "consent_program_on" not in given:
        values["consent_program_on"] = None
    return values
