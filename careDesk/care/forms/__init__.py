"""Validating create/update input models for the patient record and its clinical entries.

Verbs accept a form, a mapping or keyword fields; ``Form.parse`` turns them into a validated
form or raises :class:`careDesk.errors.ValidationFailed` naming the field.
"""

from careDesk.care.forms.base import Form, refuse_empty
from careDesk.care.forms.clinical import (
    AllergyCreate,
    AllergyUpdate,
    ConditionCreate,
    ConditionUpdate,
    EncounterCreate,
    EncounterUpdate,
    MedicationCreate,
    MedicationUpdate,
    ObservationCreate,
    ObservationUpdate,
)
from careDesk.care.forms.fields import languages, phone_digits
from careDesk.care.forms.patient import (
    ConsentUpdate,
    FamilyMemberCreate,
    FamilyMemberUpdate,
    PatientCreate,
    PatientUpdate,
    StoryUpdate,
)

__all__ = [
    "AllergyCreate",
    "AllergyUpdate",
    "ConditionCreate",
    "ConditionUpdate",
    "ConsentUpdate",
    "EncounterCreate",
    "EncounterUpdate",
    "FamilyMemberCreate",
    "FamilyMemberUpdate",
    "Form",
    "MedicationCreate",
    "MedicationUpdate",
    "ObservationCreate",
    "ObservationUpdate",
    "PatientCreate",
    "PatientUpdate",
    "StoryUpdate",
    "languages",
    "phone_digits",
    "refuse_empty",
]
