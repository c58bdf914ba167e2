"""The worklist: order (urgent alerts first, then priority), reasons in words, due work, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.clinical import Condition, Encounter
from careDesk.model.plan import CarePlan
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.clinic_rows import NOW, patient, store


@pytest.fixture
def clinic(desk: Desk) -> dict[str, str]:
    """Five patients: urgent-but-otherwise-well, frequent flyer, chronic, discharged, candidate."""
    urgent = patient("W-URGENT", given_name="Uma", birth_date=date(1995, 1, 1))
    flyer = patient("W-FLYER", given_name="Fay", birth_date=date(1960, 1, 1), status="enrolled")
    chronic = patient("W-CHRONIC", given_name="Cal", birth_date=date(1940, 1, 1))
    gone = patient("W-GONE", status="discharged", birth_date=date(1930, 1, 1))
    candidate = patient("W-CAND", given_name="Cai", status="candidate")
    visits = [
        Encounter(patient_id=flyer.id, kind="emergency", start=NOW - timedelta(days=d), acute=True)
        for d in (15, 40, 70)
    ]
    store(
        desk,
        urgent,
        flyer,
        chronic,
        gone,
        candidate,
        *visits,
        Encounter(
            patient_id=flyer.id,
            kind="admission",
            start=NOW - timedelta(days=10),
            end=NOW - timedelta(days=2),
            acute=True,
        ),
        ScreenerResult(
            patient_id=flyer.id,
            instrument="phq9",
            loinc="44249-1",
            total=11,
            band="moderate",
            taken_at=NOW - timedelta(days=5),
        ),
        ScreenerResult(
            patient_id=flyer.id,
            instrument="ahc_hrsn",
            loinc="96777-8",
            positive=True,
            positive_domains='["food"]',
            taken_at=NOW - timedelta(days=5),
        ),
        Condition(patient_id=chronic.id, display="CHF", icd10="I50.9"),
        Condition(patient_id=chronic.id, display="COPD", icd10="J44.9"),
        Condition(patient_id=gone.id, display="Metastatic", icd10="C78.0"),
        Alert(patient_id=urgent.id, kind="phq9_item9", message="Call today", raised_at=NOW),
        FollowUp(
            patient_id=chronic.id, kind="call", title="Check weight", due_at=NOW - timedelta(days=3)
        ),
        FollowUp(patient_id=chronic.id, kind="call", title="Later", due_at=NOW + timedelta(days=3)),
        CarePlan(patient_id=chronic.id, review_date=NOW.date()),
    )
    desk.risk.refresh_all(now=NOW)
    return {
        "urgent": urgent.id,
        "flyer": flyer.id,
        "chronic": chronic.id,
        "candidate": candidate.id,
    }


def test_order_urgent_first_then_priority_and_no_discharged(
    desk: Desk, clinic: dict[str, str]
) -> None:
    rows = desk.worklist.rows(limit=10, now=NOW)
    assert [r.id for r in rows] == [
        clinic["urgent"],
        clinic["flyer"],
        clinic["chronic"],
        clinic["candidate"],
    ]
    priorities = [r.priority for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert desk.worklist.count() == 4


def test_reasons_in_words(desk: Desk, clinic: dict[str, str]) -> None:
    flyer = next(r for r in desk.worklist.rows(now=NOW) if r.id == clinic["flyer"])
    assert "; ".join(flyer.reasons) == (
        "1 admission in 6 months; 3 ED visits in 6 months; LACE 11 after discharge on 2026-06-13; "
        "PHQ-9 moderate; food insecurity"
    )
    assert flyer.scores["lace"] == 11  # L 8 days → 5, A 3, C 0, E 3
    assert flyer.lace_discharged == date(2026, 6, 13)
    assert flyer.as_json()["lace_discharged"] == "2026-06-13"
    assert flyer.scores["phq9"] == 11
    assert flyer.band == "high"
    assert flyer.name == "W-FLYER, Fay"


def test_scores_by_name(desk: Desk, clinic: dict[str, str]) -> None:
    chronic = next(r for r in desk.worklist.rows(now=NOW) if r.id == clinic["chronic"])
    assert chronic.scores["charlson_quan2011"] == 3
    assert chronic.scores["charlson_1987"] == 2
    assert chronic.scores["charlson_age_adjusted"] == 2 + 4
    assert chronic.scores["lace"] is None
    assert chronic.lace_discharged is None


def test_due_work(desk: Desk, clinic: dict[str, str]) -> None:
    rows = {r.id: r for r in desk.worklist.rows(now=NOW)}
    first = rows[clinic["urgent"]].due[0]
    assert (first.kind, first.urgent) == ("alert", True)
    chronic_due = [(d.kind, d.title, d.overdue) for d in rows[clinic["chronic"]].due]
    assert ("follow_up", "Check weight", True) in chronic_due
    assert ("plan_review", "Care plan review due", False) in chronic_due
    assert all(title != "Later" for _, title, _ in chronic_due)
    flyer_kinds = [d.kind for d in rows[clinic["flyer"]].due]
    assert "screening" not in flyer_kinds  # screened
    assert [d.kind for d in rows[clinic["chronic"]].due].count("screening") == 1  # active, never
    assert [d.kind for d in rows[clinic["candidate"]].due] == []  # candidates are not screened yet


def test_filters_and_paging(desk: Desk, clinic: dict[str, str]) -> None:
    coordinator = desk.users.add("coord", "violet harbour kettle drum", "coordinator")
    with desk.writing() as tx:
        from careDesk.model.patient import Patient

        row = tx.session.get(Patient, clinic["chronic"])
        assert row is not None
        row.coordinator_id = coordinator.id
        tx.touch(row, kind="patient", patient_id=row.id)
    assert [r.id for r in desk.worklist.rows(coordinator_id=coordinator.id)] == [clinic["chronic"]]
    assert [r.id for r in desk.worklist.rows(status="candidate")] == [clinic["candidate"]]
    assert {r.band for r in desk.worklist.rows(band="high")} == {"high"}
    second = desk.worklist.rows(limit=1, offset=1, now=NOW)
    assert [r.id for r in second] == [clinic["flyer"]]
    with pytest.raises(ValidationFailed, match="status"):
        desk.worklist.rows(status="discharged")
    with pytest.raises(ValidationFailed, match="band"):
        desk.worklist.rows(band="extreme")


def test_worklist_json_keys(desk: Desk, clinic: dict[str, str]) -> None:
    row = desk.worklist.rows(limit=1, now=datetime(2026, 6, 15, tzinfo=UTC))[0].as_json()
    assert list(row) == [
        "id",
        "name",
        "priority",
        "band",
        "charlson_quan2011",
        "charlson_1987",
        "charlson_age_adjusted",
        "lace",
        "lace_discharged",
        "phq9",
        "gad7",
        "reasons",
        "due",
    ]


def test_order_by_name_reads_as_a_list_of_names(desk: Desk) -> None:
    """Sorted by name as the list shows it ("Family, preferred or given"): accents and case
    aside, so "Álvarez" is with the A's and "de la Cruz" with the D's, not after "Zapata"."""
    people = [
        patient("N-1", family_name="Zapata", given_name="Ana"),
        patient("N-2", family_name="Álvarez", given_name="Óscar"),
        patient("N-3", family_name="de la Cruz", given_name="Luz"),
        patient("N-4", family_name="Bravo", given_name="Zoe", preferred_name="Abi"),
        patient("N-5", family_name="Bravo", given_name="Bea"),
        patient("N-6", family_name="alba", given_name="Rui"),
    ]
    store(desk, *people)
    desk.risk.refresh_all(now=NOW)
    names = [r.name for r in desk.worklist.rows(limit=10, order="name", descending=False, now=NOW)]
    assert names == [
        "alba, Rui",
        "Álvarez, Óscar",
        "Bravo, Abi",
        "Bravo, Bea",
        "de la Cruz, Luz",
        "Zapata, Ana",
    ]
    backwards = desk.worklist.rows(limit=10, order="name", descending=True, now=NOW)
    assert [r.name for r in backwards] == names[::-1]
    first_two = desk.worklist.rows(limit=2, offset=2, order="name", descending=False, now=NOW)
    assert [r.name for r in first_two] == names[2:4]  # pages follow the same order
    with pytest.raises(ValidationFailed):
        desk.worklist.rows(order="reasons; DROP TABLE patient")
