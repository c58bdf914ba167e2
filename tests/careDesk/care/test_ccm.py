"""``desk.ccm``: CCM codes from the minutes, roles, conditions, consent and plan of a real vault.

Thresholds: CPT 2024 descriptors and CMS MLN909188 (May 2024), as in ``test_ccm_rules``.
Whose time: careDesk's documented assumption (``careDesk.care.ccm``): the clinician role is
a physician/QHP, the coordinator role is clinical staff, admin and read-only are not clinical
staff (MLN909188: non-clinical staff time is not counted).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from careDesk.care.ccm_rules import CcmMonth
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from careDesk.model.patient import Patient
from careDesk.model.security import user_id
from careDesk.model.timeline import TimeEntry
from careDesk.store.vault import unlock
from tests.careDesk.care.clinic_rows import patient, store

MARCH = date(2026, 3, 1)
STAFF_PASSWORD = "violet harbour compass lantern"
DIABETES = ("Type 2 diabetes", "E11.9")
HEART = ("Heart failure", "I50.9")


@pytest.fixture
def staff(desk: Desk, fast_kdf: None) -> dict[str, str]:
    """A coordinator (clinical staff) and a clinician (physician/QHP) besides the admin."""
    desk.users.add("nurse", STAFF_PASSWORD, "coordinator")
    desk.users.add("doctor", STAFF_PASSWORD, "clinician")
    return {"nurse": user_id("nurse"), "doctor": user_id("doctor"), "admin": desk.user.id}


def conditions(pid: str, *rows: tuple[str, str]) -> list[Condition]:
    return [Condition(patient_id=pid, display=name, icd10=code) for name, code in rows]


def enrolled(mrn: str, **fields: object) -> Patient:
    return patient(mrn, consent_program=True, **fields)


def minutes(pid: str, who: str, day: date, count: int) -> TimeEntry:
    return TimeEntry(patient_id=pid, user_id=who, on_date=day, minutes=count, activity="call")


def test_minutes_split_by_the_role_of_whoever_spent_them(desk: Desk, staff: dict[str, str]) -> None:
    p = enrolled("C-1")
    store(desk, p, *conditions(p.id, DIABETES, HEART))
    store(
        desk,
        minutes(p.id, staff["nurse"], date(2026, 3, 2), 15),
        minutes(p.id, "someone-from-another-workstation", date(2026, 3, 3), 5),
        minutes(p.id, staff["doctor"], date(2026, 3, 20), 30),
        minutes(p.id, staff["admin"], date(2026, 3, 21), 40),  # not clinical staff
        minutes(p.id, staff["nurse"], date(2026, 4, 1), 19),  # April is its own month
    )
    march, april = desk.ccm.months(MARCH, date(2026, 4, 30))
    assert (march.month, march.facts.staff_minutes, march.facts.practitioner_minutes) == (
        "2026-03",
        20,
        30,
    )
    assert march.code_list() == ["99491", "99490"]
    assert march.facts.uncounted_minutes == 40
    assert any("40 minutes logged by non-clinical accounts" in n for n in march.notes)
    assert any("5 minutes by people not known" in n for n in march.notes)
    assert april.code_list() == [] and "19 of 20 minutes" in april.missing


def test_chronic_conditions_count_when_active_in_that_month_once_each(
    desk: Desk, staff: dict[str, str]
) -> None:
    p = enrolled("C-2")
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="Type 2 diabetes", icd10="E11.9"),
        Condition(patient_id=p.id, display="Type 2 diabetes (again)", icd10="E119"),
        Condition(patient_id=p.id, display="Asthma", icd10="J45", abated=date(2026, 2, 27)),
        Condition(patient_id=p.id, display="CKD 3", icd10="N18.3", onset=date(2026, 4, 2)),
        Condition(patient_id=p.id, display="Old ulcer", icd10="K25", status="resolved"),
        Condition(patient_id=p.id, display="Sprain", icd10="S93.4", chronic=False),
        minutes(p.id, staff["nurse"], date(2026, 3, 10), 25),
        minutes(p.id, staff["nurse"], date(2026, 4, 10), 25),
    )
    march, april = desk.ccm.months(MARCH, date(2026, 4, 30))
    assert march.facts.chronic_conditions == 1  # diabetes once; asthma ended in February
    assert march.codes == ()
    assert "needs 2 chronic conditions (has 1 active this month)" in march.missing
    assert april.facts.chronic_conditions == 2  # CKD from April 2
    assert april.code_list() == ["99490"]


def test_consent_counts_from_the_month_it_was_given(desk: Desk, staff: dict[str, str]) -> None:
    p = enrolled("C-3", consent_program_on=date(2026, 4, 15))
    never = patient("C-4")
    store(
        desk, p, never, *conditions(p.id, DIABETES, HEART), *conditions(never.id, DIABETES, HEART)
    )
    store(
        desk,
        minutes(p.id, staff["nurse"], date(2026, 3, 10), 30),
        minutes(p.id, staff["nurse"], date(2026, 4, 10), 30),
        minutes(never.id, staff["nurse"], date(2026, 4, 10), 30),
    )
    rows = {(r.patient_id, r.month): r for r in desk.ccm.months(MARCH, date(2026, 4, 1))}
    assert rows[(p.id, "2026-03")].codes == ()
    assert "no CCM consent on file for this month" in rows[(p.id, "2026-03")].missing
    assert rows[(p.id, "2026-04")].code_list() == ["99490"]
    assert rows[(never.id, "2026-04")].codes == ()


def test_removed_minutes_and_removed_patients_do_not_count(
    desk: Desk, staff: dict[str, str]
) -> None:
    p, gone = enrolled("C-5"), enrolled("C-6")
    store(desk, p, gone, *conditions(p.id, DIABETES, HEART), *conditions(gone.id, DIABETES, HEART))
    kept = minutes(p.id, staff["nurse"], date(2026, 3, 3), 20)
    wrong = minutes(p.id, staff["nurse"], date(2026, 3, 4), 20)
    store(desk, kept, wrong, minutes(gone.id, staff["nurse"], date(2026, 3, 4), 60))
    desk.timeline.remove_time(wrong.id)
    with desk.writing() as tx:
        row = tx.session.get(Patient, gone.id)
        assert row is not None
        tx.tombstone(row, kind="patient", patient_id=gone.id)
    [only] = desk.ccm.months(MARCH, MARCH)
    assert (only.patient_id, only.code_list()) == (p.id, ["99490"])


@pytest.fixture
def clinician(desk: Desk, staff: dict[str, str]) -> Iterator[tuple[Desk, Patient]]:
    """The clinician signed in, with a consented patient who has two chronic conditions."""
    p = enrolled("C-7")
    store(desk, p, *conditions(p.id, DIABETES, HEART))
    paths = desk.paths
    desk.close()
    doctor = unlock(paths, "doctor", STAFF_PASSWORD)
    try:
        yield doctor, p
    finally:
        doctor.close()


def _this_month(desk: Desk, pid: str, nurse_minutes: int) -> None:
    today = local_today(utcnow())
    store(desk, minutes(pid, user_id("nurse"), today, nurse_minutes))


def _month(desk: Desk, pid: str) -> CcmMonth:
    today = local_today(utcnow())
    return desk.ccm.month(pid, today.year, today.month)


def test_complex_ccm_needs_recorded_decision_making_and_a_saved_plan_version(
    clinician: tuple[Desk, Patient],
) -> None:
    desk, p = clinician
    _this_month(desk, p.id, 60)
    before = _month(desk, p.id)
    assert before.code_list() == ["99490", "99439", "99439"]
    desk.ccm.record_decision_making(p.id, "moderate", note="new insulin, HF decompensating")
    without_plan = _month(desk, p.id)
    assert "99487" not in without_plan.code_list()
    assert (
        "complex CCM needs a plan set up or revised this month (save a plan version)"
        in without_plan.missing
    )
    plan = desk.plans.ensure_active(p.id).value
    desk.plans.save_version(plan.id, "Plan set up with the patient")
    _this_month(desk, p.id, 30)  # 90 minutes in all
    done = _month(desk, p.id)
    assert done.code_list() == ["99487", "99489"]
    assert done.facts.complex_decision_making and done.facts.plan_revised
    desk.ccm.record_decision_making(p.id, "low")  # the month's latest level counts
    relaxed = _month(desk, p.id)
    assert "99487" not in relaxed.code_list()
    [entry] = [e for e in desk.timeline.page(p.id) if e.kind == "mdm" and e.outcome == "low"]
    assert entry.author_id == desk.user.id


def test_only_the_clinician_role_records_decision_making(desk: Desk, staff: dict[str, str]) -> None:
    p = enrolled("C-8")
    store(desk, p)
    with pytest.raises(PermissionDenied, match="physician or QHP"):
        desk.ccm.record_decision_making(p.id, "high")  # the admin


def test_decision_making_input_is_checked(clinician: tuple[Desk, Patient]) -> None:
    desk, p = clinician
    with pytest.raises(ValidationFailed) as caught:
        desk.ccm.record_decision_making(p.id, "very high")
    assert caught.value.field == "level"
    with pytest.raises(ValidationFailed) as caught:
        desk.ccm.record_decision_making(p.id, "high", on=date(2999, 1, 1))
    assert caught.value.field == "on"
    assert not [e for e in desk.timeline.page(p.id) if e.kind == "mdm"]


def test_a_month_without_minutes_says_what_is_missing(desk: Desk, staff: dict[str, str]) -> None:
    p = enrolled("C-9")
    store(desk, p, *conditions(p.id, DIABETES, HEART))
    empty = desk.ccm.month(p.id, 2026, 3)
    assert empty.codes == () and "0 of 20 minutes" in empty.missing
    with pytest.raises(ValidationFailed):
        desk.ccm.month(p.id, 2026, 13)
