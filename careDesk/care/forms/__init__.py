"""The one form layer: input forms derived from each aggregate's base model.

Verbs accept a form, a mapping or keyword fields; ``Form.parse`` turns them into a validated
form or raises :class:`careDesk.errors.ValidationFailed` naming the field. How the forms are
derived is in ``careDesk/care/forms/base.py``; the rule for each kind of value (phone, e-mail,
date, dose…) is in ``careDesk/model/fields.py``.
"""

from careDesk.care.forms.base import Form, ReadModel, parse, refuse, updating
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
    "ReadModel",
    "StoryUpdate",
    "parse",
    "refuse",
    "updating",
]
