"""Expected monitoring tests are not duplicates; repeats outside the window still are.

Windows from the published sources (monitoring_rules.json cites each):
- lipids 4 to 12 weeks (days 28-84) after a statin is started or its dose adjusted: Grundy SM
  et al. 2018 AHA/ACC Cholesterol Guideline, Circulation 2019;139:e1082 (monitoring, COR I);
- TSH 6 to 8 weeks (days 42-56) after levothyroxine is started or its dose changed: ATA 2014
  hypothyroidism guideline, Jonklaas J et al., Thyroid 2014;24:1670;
- potassium within 1 week (days 0-7) of starting or titrating spironolactone: ALDACTONE
  prescribing information 5.1;
- renal function and potassium within 1 to 2 weeks (days 0-14) of starting an ACE inhibitor:
  Yancy CW et al. 2013 ACCF/AHA heart failure guideline, Circulation 2013;128:e240.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Medication, Observation
from careDesk.model.plan import Activity
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.care.test_coordination import activity, plan_for

TEST_DAY = NOW.date() + timedelta(days=10)  # when the planned test is due


def result(pid: str, loinc: str, display: str, day: date) -> Observation:
    return Observation(
        patient_id=pid,
        loinc=loinc,
        display=display,
        value=1.0,
        effective=datetime.combine(day, time(9), tzinfo=UTC),
    )


def med(pid: str, name: str, start: date, **fields: Any) -> Medication:
    return Medication(patient_id=pid, name=name, start_date=start, **fields)


def planned_test(desk: Desk, mrn: str, loinc: str, text: str, *rows: Any) -> list[str]:
    """Store a patient with ``rows`` and a test planned for TEST_DAY; the warning kinds."""
    p = patient(mrn)
    store(desk, p)
    ids = plan_for(desk, p.id)
    rows = tuple(r(p.id) if callable(r) else r for r in rows)
    test = activity(p.id, ids, "test", text, test_code=loinc, due_date=TEST_DAY)
    store(desk, *rows, test)
    return [w.kind for w in desk.coordination.warnings(p.id, now=NOW)]


@pytest.mark.parametrize(
    ("days_after_start", "warned"),
    [(27, True), (28, False), (56, False), (84, False), (85, True)],
)
def test_lipids_4_to_12_weeks_after_starting_a_statin_are_expected(
    desk: Desk, days_after_start: int, warned: bool
) -> None:
    start = TEST_DAY - timedelta(days=days_after_start)
    kinds = planned_test(
        desk,
        f"S-{days_after_start}",
        "57698-3",
        "Lipid panel",
        lambda pid: med(pid, "Atorvastatin 20 MG Oral Tablet", start),
        lambda pid: result(pid, "18262-6", "LDL cholesterol", start - timedelta(days=60)),
    )
    assert kinds == (["repeat_test"] if warned else [])


def test_a_repeat_with_no_start_or_dose_change_is_still_a_duplicate(desk: Desk) -> None:
    kinds = planned_test(
        desk,
        "S-old",
        "57698-3",
        "Lipid panel",
        lambda pid: med(pid, "Simvastatin 20 MG Oral Tablet", TEST_DAY - timedelta(days=730)),
        lambda pid: result(pid, "2093-3", "Total cholesterol", TEST_DAY - timedelta(days=200)),
    )
    assert kinds == ["repeat_test"]


def test_a_second_lipid_test_in_the_window_is_a_duplicate(desk: Desk) -> None:
    start = TEST_DAY - timedelta(days=60)
    kinds = planned_test(
        desk,
        "S-twice",
        "57698-3",
        "Lipid panel",
        lambda pid: med(pid, "Rosuvastatin 10 MG Oral Tablet", start),
        lambda pid: result(pid, "18262-6", "LDL cholesterol", start + timedelta(days=35)),
    )
    assert kinds == ["repeat_test"]  # the monitoring the guideline calls for is done


@pytest.mark.parametrize(("new_dose", "warned"), [("40", False), ("20", True)])
def test_a_new_prescription_at_another_dose_is_a_dose_change(
    desk: Desk, new_dose: str, warned: bool
) -> None:
    changed = TEST_DAY - timedelta(days=42)
    old = TEST_DAY - timedelta(days=700)
    kinds = planned_test(
        desk,
        f"S-new-{new_dose}",
        "57698-3",
        "Lipid panel",
        lambda pid: med(
            pid, "Atorvastatin 20 MG Oral Tablet", old, stop_date=changed, status="stopped"
        ),
        lambda pid: med(pid, f"Atorvastatin {new_dose} MG Oral Tablet", changed),
        lambda pid: result(pid, "18262-6", "LDL cholesterol", changed - timedelta(days=90)),
    )
    assert kinds == (["repeat_test"] if warned else [])  # the same dose again is a renewal


@pytest.mark.parametrize(("days_after_edit", "warned"), [(30, True), (45, False), (60, True)])
def test_tsh_6_to_8_weeks_after_a_levothyroxine_dose_edit_is_expected(
    desk: Desk, days_after_edit: int, warned: bool
) -> None:
    p = patient("T-1")
    store(desk, p)
    ids = plan_for(desk, p.id)
    today = utcnow().date()  # the dose is edited now: the audit trail dates the change
    levo = desk.clinical.add_medication(
        p.id, name="Levothyroxine", dose="50 mcg", start_date=today - timedelta(days=900)
    ).value
    desk.clinical.update_medication(levo.id, dose="75 mcg")
    due = today + timedelta(days=days_after_edit)
    tsh = activity(p.id, ids, "test", "TSH", test_code="3016-3", due_date=due)
    store(desk, tsh, result(p.id, "3016-3", "TSH", today - timedelta(days=100)))
    kinds = [w.kind for w in desk.coordination.warnings(p.id, now=utcnow())]
    assert kinds == (["repeat_test"] if warned else [])


def test_an_edit_that_leaves_the_dose_alone_is_no_dose_change(desk: Desk) -> None:
    p = patient("T-2")
    store(desk, p)
    ids = plan_for(desk, p.id)
    today = utcnow().date()
    levo = desk.clinical.add_medication(
        p.id, name="Levothyroxine", dose="50 mcg", start_date=today - timedelta(days=900)
    ).value
    desk.clinical.update_medication(levo.id, purpose="for the thyroid")
    tsh = activity(
        p.id, ids, "test", "TSH", test_code="3016-3", due_date=today + timedelta(days=45)
    )
    store(desk, tsh, result(p.id, "3016-3", "TSH", today - timedelta(days=100)))
    assert [w.kind for w in desk.coordination.warnings(p.id, now=utcnow())] == ["repeat_test"]


@pytest.mark.parametrize(("days_after_start", "warned"), [(5, False), (7, False), (10, True)])
def test_potassium_within_a_week_of_starting_spironolactone_is_expected(
    desk: Desk, days_after_start: int, warned: bool
) -> None:
    start = TEST_DAY - timedelta(days=days_after_start)
    kinds = planned_test(
        desk,
        f"K-{days_after_start}",
        "6298-4",  # potassium in blood, as Synthea codes it
        "Potassium",
        lambda pid: med(pid, "Spironolactone 25 MG Oral Tablet", start),
        lambda pid: result(pid, "6298-4", "Potassium", start - timedelta(days=40)),
    )
    assert kinds == (["repeat_test"] if warned else [])


def test_a_baseline_on_the_day_of_the_start_does_not_count_as_the_monitoring(
    desk: Desk,
) -> None:
    start = TEST_DAY - timedelta(days=5)
    kinds = planned_test(
        desk,
        "K-base",
        "2823-3",
        "Potassium",
        lambda pid: med(pid, "Spironolactone 25 MG Oral Tablet", start),
        lambda pid: result(pid, "2823-3", "Potassium", start),
    )
    assert kinds == []


@pytest.mark.parametrize(("days_after_start", "warned"), [(10, False), (14, False), (20, True)])
def test_creatinine_1_to_2_weeks_after_starting_an_ace_inhibitor_is_expected(
    desk: Desk, days_after_start: int, warned: bool
) -> None:
    start = TEST_DAY - timedelta(days=days_after_start)
    kinds = planned_test(
        desk,
        f"A-{days_after_start}",
        "38483-4",  # creatinine in blood, as Synthea codes it
        "Creatinine",
        lambda pid: med(pid, "Captopril 25 MG Oral Tablet", start),  # a Synthea medicine
        lambda pid: result(pid, "38483-4", "Creatinine", start - timedelta(days=30)),
    )
    assert kinds == (["repeat_test"] if warned else [])


def test_an_ace_inhibitor_dose_change_opens_no_window(desk: Desk) -> None:
    # Yancy 2013 asks for the check after initiation; a titration is not named.
    changed = TEST_DAY - timedelta(days=7)
    kinds = planned_test(
        desk,
        "A-dose",
        "2160-0",
        "Creatinine",
        lambda pid: med(
            pid,
            "Lisinopril 10 MG Oral Tablet",
            TEST_DAY - timedelta(days=400),
            stop_date=changed,
            status="stopped",
        ),
        lambda pid: med(pid, "Lisinopril 20 MG Oral Tablet", changed),
        lambda pid: result(pid, "2160-0", "Creatinine", changed - timedelta(days=40)),
    )
    assert kinds == ["repeat_test"]


def test_a_stopped_statin_opens_no_window(desk: Desk) -> None:
    start = TEST_DAY - timedelta(days=42)
    kinds = planned_test(
        desk,
        "S-stop",
        "57698-3",
        "Lipid panel",
        lambda pid: med(
            pid,
            "Atorvastatin 20 MG Oral Tablet",
            start,
            stop_date=start + timedelta(days=3),
            status="stopped",
        ),
        lambda pid: result(pid, "18262-6", "LDL cholesterol", start - timedelta(days=60)),
    )
    assert kinds == ["repeat_test"]


def test_two_planned_tests_within_the_window_of_each_other(desk: Desk) -> None:
    p = patient("P-2x")
    store(desk, p)
    ids = plan_for(desk, p.id)
    first = activity(p.id, ids, "test", "Check A1c", test_code="4548-4", due_date=TEST_DAY)
    again = activity(
        p.id, ids, "test", "A1c", test_code="17856-6", due_date=TEST_DAY + timedelta(days=60)
    )  # A1c by HPLC: the same measurement (intervals.json groups them)
    store(desk, first, again)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert (warning.kind, warning.first.id, warning.second.id) == (
        "repeat_test",
        again.id,
        first.id,
    )
    assert isinstance(warning.message, str) and "90-day" in warning.message


def test_done_and_cancelled_tests_are_not_planned_work(desk: Desk) -> None:
    p = patient("P-done")
    store(desk, p)
    ids = plan_for(desk, p.id)
    rows: list[Activity] = [
        activity(p.id, ids, "test", "A1c", test_code="4548-4", due_date=TEST_DAY, status=s)
        for s in ("done", "cancelled", "planned")
    ]
    store(desk, *rows)
    assert desk.coordination.warnings(p.id, now=NOW) == []
