"""Flags from measurements reach the chart and the worklist in the same transaction, once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.model.assessment import Alert
from careDesk.model.base import utcnow
from careDesk.model.schedule import FollowUp

NOW = utcnow()


def _patient(desk: Desk, mrn: str = "F-1") -> str:
    return desk.patients.create(
        mrn=mrn, given_name="Omar", family_name="Haddad", birth_date=date(1949, 9, 9)
    ).value.id


def _alerts(desk: Desk, pid: str) -> list[Alert]:
    with desk.reading() as s:
        return list(s.exec(select(Alert).where(col(Alert.patient_id) == pid)))


def _calls(desk: Desk, pid: str) -> list[FollowUp]:
    with desk.reading() as s:
        return list(s.exec(select(FollowUp).where(col(FollowUp.patient_id) == pid)))


def test_a_crisis_blood_pressure_raises_an_urgent_alert_and_a_same_day_call(desk: Desk) -> None:
    """AHA: 180/120 or higher is the hypertensive crisis range."""
    pid = _patient(desk)
    outcome = desk.measures.record(pid, kind="blood_pressure", systolic=186, diastolic=124)
    assert "alert" in outcome.changes.kinds
    (alert,) = _alerts(desk, pid)
    assert alert.severity == "urgent" and "186/124" in alert.message
    (call,) = _calls(desk, pid)
    assert call.urgent and call.status == "open" and "180/120" in call.title
    row = desk.worklist.rows(5, 0)[0]
    assert row.id == pid and "urgent alert" in row.reasons
    assert any(d.kind == "alert" and "186/124" in d.title for d in row.due)


def test_a_normal_blood_pressure_raises_nothing(desk: Desk) -> None:
    pid = _patient(desk)
    desk.measures.record(pid, kind="blood_pressure", systolic=179, diastolic=119)
    assert _alerts(desk, pid) == [] and _calls(desk, pid) == []


def test_an_old_value_recorded_today_is_history_not_an_alert(desk: Desk) -> None:
    """Only a value taken within the flag's recent window (7 days for blood pressure) alerts;
    the Measures tab still lists the flag."""
    pid = _patient(desk)
    desk.measures.record(
        pid, kind="blood_pressure", systolic=190, diastolic=100, taken_at=NOW - timedelta(days=10)
    )
    assert _alerts(desk, pid) == []
    assert [f.key for f in desk.measures.overview(pid).flags] == ["bp_crisis"]


def test_heart_failure_weight_gain_alerts_only_with_heart_failure(desk: Desk) -> None:
    """The heart-failure template's rule (AHA): 3 lb in a day."""
    with_hf, without = _patient(desk, "F-HF"), _patient(desk, "F-NO")
    desk.clinical.add_condition(with_hf, display="Heart failure", icd10="I50.9")
    for pid in (with_hf, without):
        desk.measures.record(
            pid, kind="weight", value=180, unit="lb", taken_at=NOW - timedelta(days=1)
        )
        desk.measures.record(pid, kind="weight", value=183.5, unit="lb")
    (alert,) = _alerts(desk, with_hf)
    assert alert.severity == "urgent" and "3.5 lb in a day" in alert.message
    assert _alerts(desk, without) == []


def test_a_flag_is_raised_once_even_when_its_measurement_changes(desk: Desk) -> None:
    pid = _patient(desk)
    rows = desk.measures.record(pid, kind="blood_pressure", systolic=200, diastolic=110).value
    desk.clinical.update_observation(rows[0].id, display="Systolic blood pressure (repeat)")
    assert len(_alerts(desk, pid)) == 1 and len(_calls(desk, pid)) == 1


def test_a_warning_flag_needs_no_call(desk: Desk) -> None:
    """UK Kidney Association 2023: potassium 5.5–6.4 is mild-moderate hyperkalaemia."""
    pid = _patient(desk)
    desk.clinical.add_observation(
        pid, loinc="6298-4", display="Potassium", value=5.8, unit="mmol/L", effective=NOW
    )
    (alert,) = _alerts(desk, pid)
    assert alert.severity == "warning" and "5.8" in alert.message
    assert _calls(desk, pid) == []
    assert "urgent alert" not in desk.worklist.rows(5, 0)[0].reasons
