"""Which chronic care management (CCM) codes one patient-month's logged minutes support.

Sources (US Medicare; quoted in the tests that check each threshold):

- CMS MLN909188 "Chronic Care Management Services" booklet (May 2024): the code table; every
  CCM code needs two or more chronic conditions expected to last at least 12 months (or until
  death) that place the patient at significant risk of death, acute exacerbation/decompensation
  or functional decline, and the patient's consent on file; non-clinical staff time is not
  counted; the same patient is billed either non-complex or complex CCM in a month, not both.
- CPT 2024 code descriptors (AMA): 99490 at least 20 minutes of clinical staff time directed by
  a physician or other qualified health care professional (QHP), per calendar month; 99439
  each additional 20 minutes; 99491 at least 30 minutes personally by a physician or QHP;
  99437 each additional 30 minutes by a physician or QHP; 99487 complex CCM, first 60 minutes
  of clinical staff time, with moderate or high complexity medical decision making and a care
  plan established or substantially revised; 99489 each additional 30 minutes. Complex CCM
  under 60 minutes in a month is not reported; add-on units need the whole increment.
- Medicare Physician Fee Schedule: CY 2021 final rule (85 FR 84472; 99439 replaces G2058,
  at most twice a month) and CY 2022 final rule (86 FR 64996; 99437 added).
- CMS "Frequently Asked Questions about Physician Billing for Chronic Care Management
  Services" (January 2017), question 1: when the billing practitioner does clinical staff
  work, their time may be counted as clinical staff time.

How minutes are split (careDesk's reading of those rules, never counting a minute twice):

1. Physician/QHP minutes of 30 or more make the 99491 block (99491, then 99437 for each
   further full 30 minutes), unless the month is complex CCM (rule 2). Fewer than 30 count
   as clinical staff time (CMS FAQ 2017, question 1).
2. Complex CCM (99487, then 99489 per further full 30 minutes) when moderate/high complexity
   decision making is recorded and a plan version was saved that month, with at least 60
   minutes; the physician/QHP minutes then count as clinical staff time, since complex and
   non-complex CCM (99491 is non-complex) are not billed in the same month.
3. Otherwise non-complex CCM on clinical staff time: 99490 from 20 minutes, 99439 per further
   full 20 minutes, at most twice (so 60 minutes is the most that counts).

When the 99491 block and 99490 are both supported they rest on separate minutes; CPT 2024's
parenthetical advises against reporting 99491 in the same month as 99490, so a note says to
check the payer before billing both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHRONIC_NEEDED = 2  # MLN909188: two or more chronic conditions
STAFF_FIRST = 20  # 99490: at least 20 minutes of clinical staff time
STAFF_EACH = 20  # 99439: each additional 20 minutes
STAFF_MAX_ADDONS = 2  # 99439 at most twice a calendar month (CY 2021 PFS, 85 FR 84472)
PHYSICIAN_FIRST = 30  # 99491: at least 30 minutes personally by a physician or QHP
PHYSICIAN_EACH = 30  # 99437: each additional 30 minutes by a physician or QHP
COMPLEX_FIRST = 60  # 99487: first 60 minutes of clinical staff time (complex CCM)
COMPLEX_EACH = 30  # 99489: each additional 30 minutes of clinical staff time

DESCRIPTORS = {
    "99490": "CCM, first 20 minutes of clinical staff time",
    "99439": "CCM, each additional 20 minutes of clinical staff time",
    "99491": "CCM, first 30 minutes by a physician or QHP",
    "99437": "CCM, each additional 30 minutes by a physician or QHP",
    "99487": "complex CCM, first 60 minutes of clinical staff time",
    "99489": "complex CCM, each additional 30 minutes of clinical staff time",
}


@dataclass(frozen=True)
class MonthFacts:
    """What one patient's calendar month holds, as the billing rules need it."""

    patient_id: str
    month: str  # YYYY-MM
    staff_minutes: int  # clinical staff (coordinator role, or a person unknown here)
    practitioner_minutes: int  # physician/QHP (clinician role)
    uncounted_minutes: int  # non-clinical accounts (admin, read-only)
    chronic_conditions: int
    consent: bool
    complex_decision_making: bool  # moderate or high complexity MDM recorded this month
    plan_revised: bool  # a plan version saved (set up or substantially revised) this month
    unknown_people_minutes: int = 0  # part of staff_minutes: logged by people unknown here


@dataclass(frozen=True)
class CodeUnits:
    """One CPT code and how many units of it the month supports."""

    code: str
    units: int

    @property
    def descriptor(self) -> str:
        return DESCRIPTORS[self.code]


@dataclass(frozen=True)
class CcmMonth:
    """The codes a patient-month supports, what is missing for the others, and notes."""

    facts: MonthFacts
    codes: tuple[CodeUnits, ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def patient_id(self) -> str:
        return self.facts.patient_id

    @property
    def month(self) -> str:
        return self.facts.month

    def code_list(self) -> list[str]:
        """Each code once per unit, e.g. ["99490", "99439", "99439"]."""
        return [c.code for c in self.codes for _ in range(c.units)]

    def as_json(self) -> dict[str, Any]:
        f = self.facts
        return {
            "patient_id": f.patient_id,
            "month": f.month,
            "codes": [{"code": c.code, "units": c.units, "what": c.descriptor} for c in self.codes],
            "missing": list(self.missing),
            "notes": list(self.notes),
            "clinical_staff_minutes": f.staff_minutes,
            "physician_qhp_minutes": f.practitioner_minutes,
            "uncounted_minutes": f.uncounted_minutes,
            "chronic_conditions": f.chronic_conditions,
            "consent": f.consent,
            "complex_decision_making": f.complex_decision_making,
            "plan_set_up_or_revised": f.plan_revised,
        }


def _units(code: str, units: int) -> list[CodeUnits]:
    return [CodeUnits(code, units)] if units > 0 else []


def _physician_block(minutes: int) -> list[CodeUnits]:
    """99491 and its 99437 add-ons (CPT 2024; CY 2022 PFS, 86 FR 64996)."""
    if minutes < PHYSICIAN_FIRST:
        return []
    return [CodeUnits("99491", 1), *_units("99437", (minutes - PHYSICIAN_FIRST) // PHYSICIAN_EACH)]


def _complex_block(minutes: int) -> list[CodeUnits]:
    """99487 and its 99489 add-ons; under 60 minutes complex CCM is not reported (CPT 2024)."""
    if minutes < COMPLEX_FIRST:
        return []
    return [CodeUnits("99487", 1), *_units("99489", (minutes - COMPLEX_FIRST) // COMPLEX_EACH)]


def _staff_block(minutes: int) -> list[CodeUnits]:
    """99490 and at most two 99439 (CPT 2024; CY 2021 PFS, 85 FR 84472)."""
    if minutes < STAFF_FIRST:
        return []
    extra = min(STAFF_MAX_ADDONS, (minutes - STAFF_FIRST) // STAFF_EACH)
    return [CodeUnits("99490", 1), *_units("99439", extra)]


def _complex_missing(f: MonthFacts, minutes: int) -> list[str]:
    """Why complex CCM (99487) is not supported: said when the minutes would reach it or when
    part of what it needs is already recorded (otherwise it would only be noise)."""
    mdm, plan = f.complex_decision_making, f.plan_revised
    if mdm and plan:
        return (
            [f"complex CCM: {minutes} of {COMPLEX_FIRST} minutes"]
            if minutes < COMPLEX_FIRST
            else []
        )
    if minutes < COMPLEX_FIRST and not (mdm or plan):
        return []
    why = []
    if not mdm:
        why.append(
            "complex CCM needs moderate or high complexity medical decision making "
            "recorded this month"
        )
    if not plan:
        why.append("complex CCM needs a plan set up or revised this month (save a plan version)")
    return why


def _not_eligible(f: MonthFacts) -> list[str]:
    why = []
    if not f.consent:
        why.append("no CCM consent on file for this month")
    if f.chronic_conditions < CHRONIC_NEEDED:
        why.append(
            f"needs {CHRONIC_NEEDED} chronic conditions (has {f.chronic_conditions} "
            "active this month)"
        )
    return why


def _base_notes(f: MonthFacts) -> list[str]:
    notes = []
    if f.uncounted_minutes:
        notes.append(
            f"{f.uncounted_minutes} minutes logged by non-clinical accounts (admin or "
            "read-only) are not counted"
        )
    if f.unknown_people_minutes:
        notes.append(
            f"{f.unknown_people_minutes} minutes by people not known on this workstation "
            "counted as clinical staff time"
        )
    return notes


def ccm_codes(f: MonthFacts) -> CcmMonth:
    """The codes ``f`` supports, following the rules in the module docstring."""
    notes = _base_notes(f)
    blocked = _not_eligible(f)
    if blocked:
        return CcmMonth(f, (), tuple(blocked), tuple(notes))
    doctor, staff = f.practitioner_minutes, f.staff_minutes
    complex_ok = f.complex_decision_making and f.plan_revised
    if complex_ok and doctor + staff >= COMPLEX_FIRST:
        if doctor:
            notes.append(f"{doctor} physician/QHP minutes counted as clinical staff time")
        return CcmMonth(f, tuple(_complex_block(doctor + staff)), (), tuple(notes))
    physician = _physician_block(doctor)
    counted = staff if physician else staff + doctor
    if doctor and not physician:
        notes.append(
            f"{doctor} physician/QHP minutes (under {PHYSICIAN_FIRST} for 99491) counted as "
            "clinical staff time"
        )
    codes = physician + _staff_block(counted)
    missing = _complex_missing(f, doctor + staff)
    if not codes:
        missing.insert(0, f"{counted} of {STAFF_FIRST} minutes")
        if doctor:
            missing.insert(1, f"99491: {doctor} of {PHYSICIAN_FIRST} physician/QHP minutes")
    elif physician and 0 < staff < STAFF_FIRST:
        missing.insert(0, f"99490: {staff} of {STAFF_FIRST} clinical staff minutes")
    return CcmMonth(f, tuple(codes), tuple(missing), tuple(notes + _code_notes(codes, counted)))


def _code_notes(codes: list[CodeUnits], counted: int) -> list[str]:
    found = {c.code for c in codes}
    notes = []
    top = STAFF_FIRST + STAFF_MAX_ADDONS * STAFF_EACH
    if "99490" in found and counted > top:
        notes.append(
            f"{counted} clinical staff minutes: 99439 at most twice a month, so minutes past "
            f"{top} are not billed (CY 2021 PFS)"
        )
    if {"99491", "99490"} <= found:
        notes.append(
            "99491 and 99490 rest on separate minutes here; CPT 2024 advises against reporting "
            "99491 in the same month as 99490: check the payer before billing both"
        )
    return notes
