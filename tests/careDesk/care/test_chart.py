"""The chart read model: one call with everything the chart shows, and an audited open."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.care.chart import TIMELINE_PAGE
from careDesk.desk import Desk
from careDesk.errors import NotFound
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.timeline import TimelineEntry

START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def pid(desk: Desk) -> str:
    """A patient with a little of everything, and 500 timeline entries."""
    pid = desk.patients.create(
        mrn="CH-1", given_name="Hoa", family_name="Lê", birth_date=date(1952, 6, 1)
    ).value.id
    desk.patients.add_family(pid, name="Tuan", relationship="son", caregiver=True)
    desk.clinical.add_condition(pid, display="COPD", icd10="J44.9")
    desk.clinical.add_medication(pid, name="Tiotropium", slots="morning")
    desk.clinical.add_allergy(pid, substance="Codeine")
    desk.clinical.add_encounter(pid, kind="admission", start=START, end=START + timedelta(days=3))
    for days, value in ((0, 9.1), (90, 8.2)):
        desk.clinical.add_observation(
            pid, loinc="4548-4", display="A1c", value=value, effective=START + timedelta(days=days)
        )
    with desk.writing() as tx:
        for n in range(500):
            at = START + timedelta(hours=n)
            tx.add(
                TimelineEntry(patient_id=pid, kind="note", at=at, summary=f"note {n}"),
                kind="timeline_entry",
                patient_id=pid,
            )
        for n, instrument in enumerate(("phq9", "phq9", "gad7")):
            tx.add(
                ScreenerResult(
                    patient_id=pid,
                    instrument=instrument,
                    loinc="x",
                    total=n,
                    taken_at=START + timedelta(days=n),
                ),
                kind="screener_result",
                patient_id=pid,
            )
        tx.add(
            Alert(patient_id=pid, kind="phq9_item9", message="Call today", raised_at=START),
            kind="alert",
            patient_id=pid,
        )
        tx.add(
            Alert(patient_id=pid, kind="old", message="Done", raised_at=START, resolved_at=START),
            kind="alert",
            patient_id=pid,
        )
    return pid


def test_chart_has_every_part(desk: Desk, pid: str) -> None:
    chart = desk.patients.chart(pid)
    assert (chart.patient.name, chart.patient.age) == ("Lê, Hoa", desk.patients.get(pid).age)
    assert [m.name for m in chart.family] == ["Tuan"]
    assert [c.icd10 for c in chart.conditions] == ["J44.9"]
    assert [m.name for m in chart.medications] == ["Tiotropium"]
    assert [a.substance for a in chart.allergies] == ["Codeine"]
    assert [e.kind for e in chart.encounters] == ["admission"]
    assert [o.value for o in chart.observations] == [8.2, 9.1]
    assert [o.value for o in chart.latest_observations] == [8.2]
    assert [a.kind for a in chart.alerts] == ["phq9_item9"]  # resolved alerts are not shown
    assert sorted((s.instrument, s.total) for s in chart.screeners) == [("gad7", 2), ("phq9", 1)]
    assert chart.risk is None or chart.risk.patient_id == pid


def test_timeline_is_counted_and_paged(desk: Desk, pid: str) -> None:
    chart = desk.patients.chart(pid)
    assert chart.timeline_count == 500
    assert len(chart.timeline) == TIMELINE_PAGE
    assert chart.timeline[0].summary == "note 499"  # newest first


def test_opening_a_chart_is_audited(desk: Desk, pid: str) -> None:
    desk.patients.chart(pid)
    event = desk.audit_events(patient_id=pid, limit=1)[0]
    assert (event.action, event.entity_id, event.user_login) == ("chart.open", pid, "admin")


def test_chart_as_plain_data(desk: Desk, pid: str) -> None:
    data = desk.patients.chart(pid).as_dict()
    text = json.dumps(data)
    assert data["patient"]["mrn"] == "CH-1" and data["timeline_count"] == 500
    assert data["encounters"][0]["start"].startswith("2025-01-01T09:00:00")
    assert "Tiotropium" in text


def test_removed_things_leave_the_chart(desk: Desk, pid: str) -> None:
    allergy = desk.clinical.allergies(pid)[0]
    desk.clinical.remove_allergy(allergy.id)
    assert desk.patients.chart(pid).allergies == []
    desk.patients.remove(pid)
    with pytest.raises(NotFound):
        desk.patients.chart(pid)


def test_chart_shows_lace_with_its_discharge_date(desk: Desk) -> None:
    """LACE belongs to one discharge (van Walraven 2010): the chart carries its date."""
    pid = desk.patients.create(
        mrn="CH-L", given_name="Lan", family_name="Do", birth_date=date(1950, 1, 1)
    ).value.id
    now = datetime.now(UTC)
    start = now - timedelta(days=6)
    desk.clinical.add_encounter(
        pid, kind="admission", start=start, end=start + timedelta(days=4), acute=True
    )
    chart = desk.patients.chart(pid)
    assert chart.risk is not None
    assert chart.risk.lace == 4 + 3 + 0 + 0  # L 4 days → 4, A acute → 3, C 0, E 0
    assert chart.risk.lace_discharged == (start + timedelta(days=4)).date()
    risk = chart.as_dict()["risk"]
    assert risk["lace_discharged"] == (start + timedelta(days=4)).date().isoformat()
    assert f"LACE 7 after discharge on {risk['lace_discharged']}" in json.loads(risk["reasons"])
