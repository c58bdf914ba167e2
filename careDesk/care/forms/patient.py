"""Input forms for the patient, their consent, their story, and their family and caregivers.

All are derived from ``PatientBase`` and ``FamilyMemberBase`` (``careDesk/model/patient.py``):
a field is declared once, there. The update forms are the same fields, all optional, split by
verb: identity and contacts (``desk.patients.update``), consent, and the patient's story
(each its own verb and audit action; status and coordinator have theirs too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from careDesk.care.forms.base import Form, refuse, updating
from careDesk.model.patient import Channel, FamilyMemberBase, PatientBase, ProgramStatus

STORY_FIELDS = ("what_matters", "own_goals", "lifestyle", "family_support")
CONSENT_FLAGS = frozenset(
    {
        "consent_program",
        "consent_sms",
        "consent_email",
        "consent_letter",
        "consent_phone",
        "consent_whatsapp",
    }
)
CONSENT_CHANNELS = {
    Channel.SMS: "consent_sms",
    Channel.EMAIL: "consent_email",
    Channel.LETTER: "consent_letter",
    Channel.PHONE: "consent_phone",
    Channel.WHATSAPP: "consent_whatsapp",
}
# Set through their own verbs, not ``desk.patients.update``.
_OWN_VERBS = frozenset(
    {*CONSENT_FLAGS, "consent_program_on", "status", "enrolled_on", "coordinator_id"}
    | set(STORY_FIELDS)
    | {"source_system", "source_id"}
)


class PatientCreate(PatientBase, Form):
    """A new patient: identity, contacts, preferences (status defaults to candidate)."""


PatientUpdate = updating(
    PatientBase,
    "PatientUpdate",
    exclude=_OWN_VERBS,
    doc="Changes to identity, contacts and preferences; only the fields set are applied.",
)
ConsentUpdate = updating(
    PatientBase,
    "ConsentUpdate",
    only=CONSENT_FLAGS | {"consent_program_on"},
    doc="Program consent (with its date) and consent per outreach channel.",
)
StoryUpdate = updating(
    PatientBase,
    "StoryUpdate",
    only=frozenset(STORY_FIELDS),
    doc="The patient's story in their words: what matters, own goals, lifestyle, family.",
)


class FamilyMemberCreate(FamilyMemberBase, Form):
    """A relative, caregiver or contact, and what they may be told."""


FamilyMemberUpdate = updating(
    FamilyMemberBase,
    "FamilyMemberUpdate",
    exclude=frozenset({"source_id"}),
    doc="Changes to a family member or caregiver; only the fields set are applied.",
)


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
            raise refuse(rule.field, rule.reason)


def consent_defaults(values: dict[str, Any], given: set[str], today: date) -> dict[str, Any]:
    """Program consent given without a date means today; withdrawing it clears the date
    (unless a date was ``given`` too, which the consent rules then refuse)."""
    if values.get("consent_program") and values.get("consent_program_on") is None:
        values["consent_program_on"] = today
    if values.get("consent_program") is False and "consent_program_on" not in given:
        values["consent_program_on"] = None
    return values
