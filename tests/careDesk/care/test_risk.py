"""The risk engine: scores kept current in normal writes, bulk refresh, reasons in words."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from careDesk.care.risk.charlson import charlson
from careDesk.care.risk.gather import facts
from careDesk.care.risk.priority import Facts, prioritise
from careDesk.care.risk.weights import default_weights
from careDesk.desk import Desk
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.clinical import Condition, Encounter, Medication
from careDesk.model.plan import CarePlan
from careDesk.model.risk import RiskScore
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.clinic_rows import NOW, patient, store


def score_of(desk: Desk, patient_id: str) -> RiskScore:
    with desk.reading() as session:
        row = session.get(RiskScore, patient_id)
    assert row is not None
    return row


def test_adding_a_condition_in_a_normal_write_refreshes_the_score(desk: Desk) -> None:
    p = patient("R-1", birth_date=date(1950, 1, 1))
    store(desk, p)
    before = score_of(desk, p.id)
    assert (before.charlson_1987, before.charlson_quan2011) == (0, 0)
    store(desk, Condition(patient_id=p.id, display="Heart failure", icd10="I50.9"))
    after = score_of(desk, p.id)
    assert (after.charlson_1987, after.charlson_quan2011) == (1, 2)
    assert after.priority > before.priority


def test_a_score_read_inside_a_write_counts_what_that_write_added_before_any_flush(
    desk: Desk,
) -> None:
    """The engine reads plain columns on the session's connection (careDesk/store/reads.py),
    flushing first as the ORM would: a condition added in the same write is not missed."""
    p = patient("R-1", birth_date=date(1950, 1, 1))
    store(desk, p)
    with desk.writing() as tx:
        tx.session.add(Condition(patient_id=p.id, display="Heart failure", icd10="I50.9"))
        found, gone = facts(tx.session, NOW, default_weights(), [p.id])
        in_session = tx.session.new  # flushed by the read: nothing waits any more
    # Congestive heart failure: weight 1 in Charlson 1987 (J Chronic Dis 1987;40:373-83), 2 in
    # Quan 2011's update (Am J Epidemiol 2011;173:676-82), as the test above.
    assert (found[p.id].charlson.charlson1987, found[p.id].charlson.quan2011) == (1, 2)
    assert not gone and not in_session


def test_while_a_first_sync_copies_a_save_refreshes_as_usual_once_patients_have_scores(
    desk: Desk,
) -> None:
    """A first upload reads the clinic back into a vault with scores: they stay current."""
    p = patient("R-1", birth_date=date(1950, 1, 1))
    store(desk, p)
    with desk.risk.copying():
        store(desk, Condition(patient_id=p.id, display="Heart failure", icd10="I50.9"))
    assert (score_of(desk, p.id).charlson_1987, score_of(desk, p.id).charlson_quan2011) == (1, 2)


def test_while_a_first_sync_copies_into_a_vault_without_scores_a_save_scores_nobody(
    desk: Desk,
) -> None:
    """Its chart may be half copied; everyone is scored together after the copy."""
    p = patient("R-1", birth_date=date(1950, 1, 1))
    with desk.risk.copying():
        store(desk, p, Condition(patient_id=p.id, display="Heart failure", icd10="I50.9"))
        assert desk.risk.score(p.id) is None
    store(desk, Condition(patient_id=p.id, display="COPD", icd10="J44.9"))  # copy over
    # Charlson 1987: CHF 1 + chronic pulmonary disease 1 (Charlson 1987, Table 3)
    assert score_of(desk, p.id).charlson_1987 == 2


def test_snomed_coded_conditions_count(desk: Desk) -> None:
    p = patient("R-2", birth_date=date(1990, 1, 1))
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="Chronic CHF", snomed="88805009"),
        Condition(patient_id=p.id, display="HIV", snomed="86406008"),
        Condition(patient_id=p.id, display="Old CHF", icd10="I50.9", status="resolved"),
    )
    row = score_of(desk, p.id)
    assert (row.charlson_quan2011, row.charlson_1987) == (6, 7)


def test_a_resolved_mi_or_stroke_still_counts_a_resolved_chf_does_not(desk: Desk) -> None:
    """Charlson 1987 counts a history of MI and of stroke/TIA; heart failure only while present;
    a malignancy initially treated within 5 years. Weights 1987: MI 1, CVD 1, any tumour 2;
    Quan 2011: 0, 0, 2."""
    p = patient("R-H", birth_date=date(1990, 1, 1))
    past = NOW.date() - timedelta(days=400)

    def resolved(display: str, onset: date, **codes: str) -> Condition:
        return Condition(
            patient_id=p.id, display=display, status="resolved", onset=onset, abated=past, **codes
        )

    store(
        desk,
        p,
        resolved("Myocardial infarction", past, snomed="22298006"),
        resolved("TIA", past, icd10="G45.9"),
        resolved("Heart failure", past, icd10="I50.9"),
        resolved("Colon cancer, 2 years ago", NOW.date() - timedelta(days=730), icd10="C18.9"),
        resolved("Breast cancer, 9 years ago", NOW.date() - timedelta(days=3300), icd10="C50.9"),
        resolved("Viral sinusitis", past, snomed="444814009"),
    )
    desk.risk.refresh([p.id], now=NOW)
    row = score_of(desk, p.id)
    assert (row.charlson_1987, row.charlson_quan2011) == (1 + 1 + 2, 2)


def admission(pid: str, start: datetime, days: int, *, acute: bool = True) -> Encounter:
    return Encounter(
        patient_id=pid, kind="admission", start=start, end=start + timedelta(days=days), acute=acute
    )


def ed(pid: str, start: datetime) -> Encounter:
    return Encounter(patient_id=pid, kind="emergency", start=start, end=start, acute=True)


def test_lace_and_utilization_with_injected_today(desk: Desk) -> None:
    p = patient("R-3", birth_date=date(1940, 5, 1))
    admitted = NOW - timedelta(days=20)
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="COPD", icd10="J44.9"),
        Condition(patient_id=p.id, display="CKD", icd10="N18.4"),
        Condition(patient_id=p.id, display="Diabetes", icd10="E11.22"),
        admission(p.id, admitted, 8),
        ed(p.id, admitted - timedelta(hours=3)),  # the index visit: not counted in E
        ed(p.id, admitted - timedelta(days=30)),
        ed(p.id, admitted - timedelta(days=60)),
        ed(p.id, admitted - timedelta(days=90)),
        ed(p.id, NOW - timedelta(days=300)),  # within 12 months only
        admission(p.id, NOW - timedelta(days=250), 2, acute=False),
    )
    assert desk.risk.refresh([p.id], now=NOW).value == 1
    row = score_of(desk, p.id)
    assert row.charlson_age_adjusted == 5 + 4  # 86 years old on NOW → +4
    # L: 8 days → 5; A: 3; C: COPD 1 + renal 2 + diabetes with complications 2 = 5 → 5; E: 3.
    assert row.lace == 16
    assert (row.admissions_6m, row.admissions_12m) == (1, 2)
    assert (row.ed_visits_6m, row.ed_visits_12m) == (4, 5)
    assert row.lace_discharged == date(2026, 6, 3)  # 20 days ago + 8 days' stay
    reasons = json.loads(row.reasons)
    assert reasons[:3] == [
        "1 admission in 6 months",
        "4 ED visits in 6 months",
        "LACE 16 after discharge on 2026-06-03",
    ]
    assert row.band == "high"


def test_reasons_in_words_and_polypharmacy(desk: Desk) -> None:
    p = patient("R-4", birth_date=date(1980, 1, 1))
    meds = [Medication(patient_id=p.id, name=f"Med {i}") for i in range(10)]
    stopped = Medication(patient_id=p.id, name="Old", status="stopped")
    screeners = [
        ScreenerResult(
            patient_id=p.id,
            instrument="phq9",
            loinc="44249-1",
            total=4,
            band="minimal",
            taken_at=NOW - timedelta(days=90),
        ),
        ScreenerResult(
            patient_id=p.id,
            instrument="phq9",
            loinc="44249-1",
            total=12,
            band="moderate",
            taken_at=NOW - timedelta(days=10),
        ),
        ScreenerResult(
            patient_id=p.id,
            instrument="ahc_hrsn",
            loinc="96777-8",
            positive=True,
            positive_domains='["food"]',
            taken_at=NOW - timedelta(days=10),
        ),
    ]
    overdue = FollowUp(patient_id=p.id, kind="call", title="Call", due_at=NOW - timedelta(days=2))
    done = FollowUp(
        patient_id=p.id, kind="call", title="Done", due_at=NOW - timedelta(days=9), status="done"
    )
    plan = CarePlan(patient_id=p.id, review_date=NOW.date() - timedelta(days=1))
    store(desk, p, *meds, stopped, *screeners, overdue, done, plan)
    desk.risk.refresh([p.id], now=NOW)
    row = score_of(desk, p.id)
    assert row.active_medications == 10
    assert (row.phq9, row.phq9_band) == (12, "moderate")
    assert json.loads(row.social_needs) == ["food"]
    assert row.overdue == 2
    assert json.loads(row.reasons) == [
        "10 active medications (hyperpolypharmacy)",
        "PHQ-9 moderate",
        "food insecurity",
        "2 overdue tasks",
    ]


def test_refresh_all_rescores_everyone_and_drops_deleted_patients(desk: Desk) -> None:
    patients = [patient(f"R-A{i}") for i in range(5)]
    store(desk, *patients)
    alert = Alert(patient_id=patients[2].id, kind="phq9_item9", message="call", raised_at=NOW)
    with desk.writing() as tx:
        tx.session.add(alert)  # bypasses the hook on purpose: only refresh_all sees it
    outcome = desk.risk.refresh_all(now=NOW)
    assert outcome.value == 5
    assert "risk_score" in outcome.changes.kinds
    assert score_of(desk, patients[2].id).urgent_alerts == 1
    with desk.writing() as tx:
        gone = tx.session.get(type(patients[0]), patients[0].id)
        assert gone is not None
        tx.tombstone(gone, kind="patient", patient_id=gone.id)
    with desk.reading() as session:
        assert session.get(RiskScore, patients[0].id) is None
        assert len(session.exec(select(RiskScore)).all()) == 4


def test_scores_look_only_at_recent_screeners(desk: Desk) -> None:
    p = patient("R-5")
    old = ScreenerResult(
        patient_id=p.id,
        instrument="gad7",
        loinc="69737-5",
        total=18,
        band="severe",
        taken_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    store(desk, p, old)
    desk.risk.refresh([p.id], now=NOW)
    assert score_of(desk, p.id).gad7 is None


@pytest.mark.parametrize(
    ("count", "reason"),
    [
        (4, None),
        (5, "5 active medications (polypharmacy)"),
        (9, "9 active medications (polypharmacy)"),
        (10, "10 active medications (hyperpolypharmacy)"),
    ],
)
def test_polypharmacy_thresholds_follow_masnoon_2017(count: int, reason: str | None) -> None:
    """Masnoon N et al., BMC Geriatr 2017;17:230: ≥ 5 medicines is the most used definition of
    polypharmacy (46 % of the articles reviewed); ≥ 10 is "hyperpolypharmacy"."""
    facts = Facts(patient_id="p", charlson=charlson(()), active_medications=count)
    reasons = prioritise(facts, default_weights()).reasons
    assert reasons == ([reason] if reason else [])


# LACE (van Walraven C et al., CMAJ 2010;182:551-7) predicts death or unplanned readmission in
# the 30 days after a discharge. L: 2 days → 2, 3 days → 3, 14+ days → 7; A: acute 3;
# C: Charlson 0 → 0; E: ED visits in the 6 months before the admission (not the index visit).


@pytest.mark.parametrize(("days_ago", "in_window"), [(1, True), (30, True), (31, False)])
def test_lace_raises_priority_only_in_the_30_days_after_discharge(
    desk: Desk, days_ago: int, in_window: bool
) -> None:
    p = patient("R-W", birth_date=date(1980, 1, 1))
    discharged = NOW - timedelta(days=days_ago)
    admitted = discharged - timedelta(days=3)
    store(
        desk,
        p,
        admission(p.id, admitted, 3),
        ed(p.id, admitted - timedelta(days=30)),
        ed(p.id, admitted - timedelta(days=60)),
    )
    desk.risk.refresh([p.id], now=NOW)
    row = score_of(desk, p.id)
    assert row.lace == 3 + 3 + 0 + 2  # shown whenever it is the latest discharge in the year
    assert row.lace_discharged == discharged.date()
    lace_reasons = [r for r in json.loads(row.reasons) if r.startswith("LACE")]
    expected = [f"LACE 8 after discharge on {discharged.date():%Y-%m-%d}"]
    assert lace_reasons == (expected if in_window else [])
    assert row.admissions_6m == 1  # the stay itself always counts as utilization


def test_lace_is_for_the_latest_discharge_with_e_counted_from_that_admission(
    desk: Desk,
) -> None:
    p = patient("R-L", birth_date=date(1980, 1, 1))
    latest = NOW - timedelta(days=10)
    store(
        desk,
        p,
        admission(p.id, NOW - timedelta(days=100), 14, acute=False),  # older: L would be 7
        admission(p.id, latest, 2),  # the latest discharge, 8 days ago
        ed(p.id, latest - timedelta(hours=3)),  # the index ED visit: not counted
        ed(p.id, latest - timedelta(days=170)),  # 6 months before the admission, not before now
        ed(p.id, NOW - timedelta(days=3)),  # after the discharge: not in E
    )
    desk.risk.refresh([p.id], now=NOW)
    row = score_of(desk, p.id)
    assert row.lace == 2 + 3 + 0 + 1
    assert row.lace_discharged == (latest + timedelta(days=2)).date()
    assert row.admissions_6m == 2


def test_no_lace_before_discharge_or_after_a_year(desk: Desk) -> None:
    inpatient = patient("R-IN")
    long_ago = patient("R-OLD")
    stay = Encounter(patient_id=inpatient.id, kind="admission", start=NOW - timedelta(days=4))
    store(desk, inpatient, long_ago, stay, admission(long_ago.id, NOW - timedelta(days=400), 5))
    desk.risk.refresh([inpatient.id, long_ago.id], now=NOW)
    still_in = score_of(desk, inpatient.id)
    assert (still_in.lace, still_in.lace_discharged, still_in.admissions_6m) == (None, None, 1)
    assert score_of(desk, long_ago.id).lace is None
