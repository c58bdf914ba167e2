"""CCM codes per patient-month against the published thresholds (issue 15, defect 12).

Expected values come from the sources, not from the code:
- CPT 2024 code descriptors (AMA): 99490 ≥ 20 min clinical staff time per calendar month;
  99439 each additional 20 min; 99491 ≥ 30 min personally by a physician/QHP; 99437 each
  additional 30 min by a physician/QHP; 99487 complex CCM, first 60 min, needs moderate/high
  complexity medical decision making and a care plan established or substantially revised;
  99489 each additional 30 min; complex CCM under 60 min is not reported.
- CMS MLN909188 "Chronic Care Management Services" (May 2024): two or more chronic
  conditions; consent; complex and non-complex CCM not billed for the same month.
- CY 2021 Medicare PFS final rule (85 FR 84472): 99439 at most twice per month.
- CMS CCM FAQ (January 2017), Q1: the billing practitioner's time may count as clinical staff
  time.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from careDesk.care.ccm_rules import MonthFacts, ccm_codes

# Minutes each code's unit needs (CPT 2024 descriptors above).
NEEDS = {"99490": 20, "99439": 20, "99491": 30, "99437": 30, "99487": 60, "99489": 30}


def facts(
    staff: int = 0,
    doctor: int = 0,
    *,
    chronic: int = 2,
    complex_mdm: bool = False,
    plan: bool = False,
    consent: bool = True,
) -> MonthFacts:
    return MonthFacts(
        patient_id="p",
        month="2026-03",
        staff_minutes=staff,
        practitioner_minutes=doctor,
        uncounted_minutes=0,
        chronic_conditions=chronic,
        consent=consent,
        complex_decision_making=complex_mdm,
        plan_revised=plan,
    )


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [
        (0, []),
        (19, []),  # under the 20 minutes of 99490
        (20, ["99490"]),
        (39, ["99490"]),  # 99439 needs a whole further 20 minutes
        (40, ["99490", "99439"]),
        (59, ["99490", "99439"]),
        (60, ["99490", "99439", "99439"]),
        (80, ["99490", "99439", "99439"]),  # 99439 at most twice (85 FR 84472)
        (200, ["99490", "99439", "99439"]),
    ],
)
def test_clinical_staff_minutes_99490_and_at_most_two_99439(minutes: int, codes: list[str]) -> None:
    assert ccm_codes(facts(minutes)).code_list() == codes


def test_short_of_20_minutes_says_how_many() -> None:
    result = ccm_codes(facts(18))
    assert result.codes == () and "18 of 20 minutes" in result.missing


def test_past_60_minutes_says_the_rest_is_not_billed() -> None:
    assert any("99439 at most twice" in n for n in ccm_codes(facts(80)).notes)


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [
        (60, ["99487"]),
        (89, ["99487"]),  # 99489 needs a whole further 30 minutes
        (90, ["99487", "99489"]),
        (120, ["99487", "99489", "99489"]),
    ],
)
def test_complex_ccm_with_decision_making_and_a_revised_plan(
    minutes: int, codes: list[str]
) -> None:
    assert ccm_codes(facts(minutes, complex_mdm=True, plan=True)).code_list() == codes


def test_60_minutes_without_a_plan_revision_is_not_complex_and_says_why() -> None:
    result = ccm_codes(facts(60, complex_mdm=True, plan=False))
    assert "99487" not in result.code_list()
    assert result.code_list() == ["99490", "99439", "99439"]
    assert "complex CCM needs a plan set up or revised this month (save a plan version)" in (
        result.missing
    )


def test_60_minutes_without_moderate_or_high_decision_making_is_not_complex() -> None:
    result = ccm_codes(facts(75, complex_mdm=False, plan=True))
    assert "99487" not in result.code_list()
    assert any("moderate or high complexity medical decision making" in m for m in result.missing)


def test_complex_month_under_60_minutes_falls_back_to_99490_and_says_so() -> None:
    result = ccm_codes(facts(45, complex_mdm=True, plan=True))
    assert result.code_list() == ["99490", "99439"]
    assert "complex CCM: 45 of 60 minutes" in result.missing


@pytest.mark.parametrize("minutes", [20, 60, 90])
def test_one_chronic_condition_supports_nothing_and_says_why(minutes: int) -> None:
    result = ccm_codes(facts(minutes, chronic=1, complex_mdm=True, plan=True))
    assert result.codes == ()
    assert any(m.startswith("needs 2 chronic conditions") for m in result.missing)


def test_without_consent_nothing_is_supported() -> None:
    result = ccm_codes(facts(60, consent=False))
    assert result.codes == () and "no CCM consent on file for this month" in result.missing


@pytest.mark.parametrize(
    ("doctor", "codes"),
    [
        (29, ["99490"]),  # under 30: counted as clinical staff time (CMS FAQ 2017, Q1)
        (30, ["99491"]),
        (59, ["99491"]),
        (60, ["99491", "99437"]),
        (90, ["99491", "99437", "99437"]),
    ],
)
def test_physician_or_qhp_minutes_99491_and_99437(doctor: int, codes: list[str]) -> None:
    assert ccm_codes(facts(0, doctor)).code_list() == codes


def test_99491_and_99490_rest_on_separate_minutes_with_a_payer_note() -> None:
    result = ccm_codes(facts(20, 30))
    assert result.code_list() == ["99491", "99490"]
    assert any("check the payer" in n for n in result.notes)
    only_doctor = ccm_codes(facts(10, 30))
    assert only_doctor.code_list() == ["99491"]
    assert "99490: 10 of 20 clinical staff minutes" in only_doctor.missing


def test_a_complex_month_counts_the_physician_minutes_as_staff_time_not_99491() -> None:
    result = ccm_codes(facts(30, 40, complex_mdm=True, plan=True))
    assert result.code_list() == ["99487"]  # 70 minutes; no non-complex 99491 beside it


GRID = list(
    itertools.product(
        range(0, 130, 7),  # staff minutes
        range(0, 100, 11),  # physician/QHP minutes
        (False, True),  # moderate/high decision making
        (False, True),  # plan set up or revised
    )
)


def test_never_both_kinds_of_ccm_and_never_a_minute_counted_twice() -> None:
    for staff, doctor, mdm, plan in GRID:
        _check_one_month(staff, doctor, mdm, plan)


def _check_one_month(staff: int, doctor: int, mdm: bool, plan: bool) -> None:
    case = (staff, doctor, mdm, plan)
    result = ccm_codes(facts(staff, doctor, complex_mdm=mdm, plan=plan))
    codes = result.code_list()
    non_complex, complex_ = {"99490", "99439", "99491", "99437"}, {"99487", "99489"}
    assert not (set(codes) & non_complex and set(codes) & complex_), case  # MLN909188
    if set(codes) & complex_:
        assert mdm and plan, case
        assert sum(NEEDS[c] for c in codes) <= staff + doctor, case
        return
    staff_codes = [c for c in codes if c in {"99490", "99439"}]
    doctor_codes = [c for c in codes if c in {"99491", "99437"}]
    staff_pool = staff if doctor_codes else staff + doctor
    assert sum(NEEDS[c] for c in staff_codes) <= staff_pool, case
    assert sum(NEEDS[c] for c in doctor_codes) <= doctor, case
    assert codes.count("99439") <= 2 and codes.count("99490") <= 1, case
    assert codes or result.missing, case  # nothing supported always says why


def test_uncounted_and_unknown_minutes_are_explained() -> None:
    base = replace(facts(25), uncounted_minutes=15, unknown_people_minutes=5)
    notes = " ".join(ccm_codes(base).notes)
    assert "15 minutes logged by non-clinical accounts" in notes
    assert "5 minutes by people not known on this workstation" in notes
