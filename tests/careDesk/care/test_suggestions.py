"""Suggestions after an assessment: each fires at its threshold and not below; accepted or
dismissed answers are remembered per finding; nothing enters the plan unaccepted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careDesk.care.suggestions import edit_proposal
from careDesk.desk import Desk
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.clinical import Encounter, Medication
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient
from tests.careDesk.care.test_instruments import answers_for, hrsn


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _rules(desk: Desk, patient: Patient) -> list[str]:
    return [s.rule for s in desk.suggestions.for_patient(patient.id)]


def _one(desk: Desk, patient: Patient, rule: str) -> str:
    return next(s.id for s in desk.suggestions.for_patient(patient.id) if s.rule == rule)


def _medicines(desk: Desk, patient: Patient, count: int) -> None:
    with desk.writing() as tx:
        for n in range(count):
            row = Medication(patient_id=patient.id, name=f"Medicine {n}")
            tx.add(row, kind="medication", patient_id=patient.id)


def _stay(desk: Desk, patient: Patient, ed_visits: int) -> str:
    """A 4-day acute stay that ended 2 days ago: LACE = 4 + 3 + 0 + ED visits (≤ 3 here)."""
    now = utcnow()
    start = now - timedelta(days=6)
    with desk.writing() as tx:
        stay = Encounter(
            patient_id=patient.id,
            kind="admission",
            start=start,
            end=start + timedelta(days=4),
            acute=True,
        )
        tx.add(stay, kind="encounter", patient_id=patient.id)
        for n in range(ed_visits):
            visit = Encounter(
                patient_id=patient.id, kind="emergency", start=start - timedelta(days=30 * (n + 1))
            )
            tx.add(visit, kind="encounter", patient_id=patient.id)
    return stay.id


@pytest.mark.parametrize(("total", "fires"), [(9, False), (10, True)])
def test_phq9_fires_at_moderate(desk: Desk, patient: Patient, total: int, fires: bool) -> None:
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", total, item9=0))
    assert ("phq9_moderate" in _rules(desk, patient)) is fires


@pytest.mark.parametrize(("ed_visits", "fires"), [(2, False), (3, True)])
def test_lace_ten_after_a_discharge_suggests_the_transition_template(
    desk: Desk, patient: Patient, ed_visits: int, fires: bool
) -> None:
    _stay(desk, patient, ed_visits)
    score = desk.risk.score(patient.id)
    assert score is not None and score.scores["lace"] == 7 + ed_visits
    found = [s for s in desk.suggestions.for_patient(patient.id) if s.rule == "lace_transition"]
    assert bool(found) is fires
    if fires:
        assert found[0].proposal.id == "transition_30d"
        assert "LACE 10" in found[0].reason


@pytest.mark.parametrize(("count", "fires"), [(9, False), (10, True)])
def test_ten_medicines_suggest_a_pharmacist_review(
    desk: Desk, patient: Patient, count: int, fires: bool
) -> None:
    """Masnoon N et al., BMC Geriatr 2017;17:230 (systematic review of polypharmacy definitions):
    ten or more medicines is "hyperpolypharmacy". The AGS Beers Criteria define no count."""
    _medicines(desk, patient, count)
    found = [s for s in desk.suggestions.for_patient(patient.id) if s.rule == "polypharmacy"]
    assert bool(found) is fires
    if fires:
        assert "hyperpolypharmacy (Masnoon 2017)" in found[0].reason
        assert "Beers" not in found[0].reason


def test_positive_food_screen_suggests_a_resource_from_the_directory(
    desk: Desk, patient: Patient
) -> None:
    pantry = desk.resources.add(name="Eastside Pantry", category="food", phone="555-0101").value
    desk.screeners.record(patient.id, "ahc_hrsn", hrsn(food_worry="never"))
    assert _rules(desk, patient) == []
    desk.screeners.record(patient.id, "ahc_hrsn", hrsn(food_worry="often"))
    suggestion = desk.suggestions.for_patient(patient.id)[0]
    assert suggestion.rule == "hrsn_food" and "Eastside Pantry" in suggestion.title
    assert desk.plans.plan_tree(patient.id) is None  # nothing enters the plan unaccepted
    desk.suggestions.accept(patient.id, suggestion.id)
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    [activity] = [a for p in tree.problems for g in p.goals for a in g.activities]
    assert activity.kind == "community_resource" and activity.resource_id == pantry.id
    assert "555-0101" in (activity.patient_words or "")
    assert desk.suggestions.for_patient(patient.id) == []


def test_a_positive_screen_binds_a_crisis_line_only_when_it_is_the_only_one(
    desk: Desk, patient: Patient
) -> None:
    """Issue 19: a crisis line (988, the US Suicide & Crisis Lifeline) is never the default
    resource for a need other than a crisis, even filed under that need's category."""
    line = desk.resources.add(name="988 Lifeline", category="safety", phone="988").value
    # HITS above 10 is positive (Sherin 1998, Fam Med 30:508; the AHC-HRSN safety items).
    unsafe = hrsn(safety_hurt=4, safety_insult=4, safety_threaten=3, safety_scream=3)
    desk.screeners.record(patient.id, "ahc_hrsn", unsafe)
    assert "988 Lifeline" in desk.suggestions.for_patient(patient.id)[0].title  # the only one
    desk.resources.add(name="Women's Center", category="safety", phone="555-0181")
    desk.screeners.record(patient.id, "ahc_hrsn", unsafe)
    suggestion = desk.suggestions.for_patient(patient.id)[0]
    assert suggestion.rule == "hrsn_safety" and "Women's Center" in suggestion.title
    assert line.name not in suggestion.title


def test_accepting_adds_the_referral_and_the_rescreen_in_four_weeks(
    desk: Desk, patient: Patient
) -> None:
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", 16, item9=0))
    outcome = desk.suggestions.accept(patient.id, _one(desk, patient, "phq9_moderate"))
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    [activity] = [a for p in tree.problems for g in p.goals for a in g.activities]
    assert activity.kind == "referral" and activity.description.startswith("Behavioral health")
    [rescreen] = desk.followups.open_for_patient(patient.id)
    assert rescreen.title == "Re-screen PHQ-9 and GAD-7"
    assert timedelta(days=27) < rescreen.due_at - utcnow() < timedelta(days=29)
    assert outcome.value.follow_up_ids == (rescreen.id,)
    assert audit_details(desk, patient.id, "suggestion.accept")[0] == {
        "rule": "phq9_moderate",
        "edited": False,
    }
    assert [d.decision for d in desk.suggestions.decisions(patient.id)] == ["accepted"]


def test_accepting_an_edited_suggestion(desk: Desk, patient: Patient) -> None:
    _medicines(desk, patient, 12)
    suggestion = desk.suggestions.for_patient(patient.id)[0]
    edited = edit_proposal(
        suggestion.proposal,
        description="Pharmacist visit at home",
        owner="coordinator",
        follow_up_days=7,
    )
    desk.suggestions.accept(patient.id, suggestion.id, edited)
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    [activity] = [a for p in tree.problems for g in p.goals for a in g.activities]
    assert (activity.description, activity.owner) == ("Pharmacist visit at home", "coordinator")
    [review] = desk.followups.open_for_patient(patient.id)
    assert timedelta(days=6) < review.due_at - utcnow() < timedelta(days=8)


def test_a_dismissed_suggestion_stays_away_for_that_finding_only(
    desk: Desk, patient: Patient
) -> None:
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", 12, item9=0))
    first = _one(desk, patient, "phq9_moderate")
    with pytest.raises(ValidationFailed) as err:
        desk.suggestions.dismiss(patient.id, first, "  ")
    assert err.value.field == "reason"
    desk.suggestions.dismiss(patient.id, first, "Already sees a counselor weekly")
    assert "phq9_moderate" not in _rules(desk, patient)
    [decision] = desk.suggestions.decisions(patient.id)
    assert (decision.decision, decision.reason) == ("dismissed", "Already sees a counselor weekly")
    with pytest.raises(NotFound):
        desk.suggestions.dismiss(patient.id, first, "again")
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", 14, item9=0))  # a new finding
    assert _one(desk, patient, "phq9_moderate") != first
    assert desk.plans.plan_tree(patient.id) is None


def test_a_new_medicine_list_is_a_new_finding(desk: Desk, patient: Patient) -> None:
    _medicines(desk, patient, 10)
    desk.suggestions.dismiss(patient.id, _one(desk, patient, "polypharmacy"), "Reviewed last week")
    assert _rules(desk, patient) == []
    _medicines(desk, patient, 1)
    assert _rules(desk, patient) == ["polypharmacy"]


def test_accepting_the_transition_applies_the_template(desk: Desk, patient: Patient) -> None:
    _stay(desk, patient, 3)
    desk.suggestions.accept(patient.id, _one(desk, patient, "lace_transition"))
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    assert tree.problems[0].description.startswith("Recent hospital discharge")
    titles = {f.title for f in desk.followups.open_for_patient(patient.id)}
    assert "Post-discharge call (within 2 days)" in titles


@pytest.mark.parametrize(("total", "fires"), [(2, False), (3, True)])
def test_positive_phq2_suggests_the_full_phq9(
    desk: Desk, patient: Patient, total: int, fires: bool
) -> None:
    """Kroenke K, Spitzer RL, Williams JB. Med Care 2003;41:1284-92: a PHQ-2 total of 3 or more
    is a positive screen, to be followed by the full PHQ-9."""
    desk.screeners.record(patient.id, "phq2", answers_for("phq2", total))
    found = [s for s in desk.suggestions.for_patient(patient.id) if s.rule == "phq2_positive"]
    assert bool(found) is fires
    if fires:
        assert found[0].title == "Complete the full PHQ-9" and "PHQ-2 total 3" in found[0].reason
        desk.suggestions.accept(patient.id, found[0].id)
        tree = desk.plans.plan_tree(patient.id)
        assert tree is not None
        [activity] = [a for p in tree.problems for g in p.goals for a in g.activities]
        assert activity.kind == "check_in" and "full PHQ-9" in activity.description


def test_a_phq9_taken_after_the_phq2_answers_the_suggestion(desk: Desk, patient: Patient) -> None:
    desk.screeners.record(patient.id, "phq2", answers_for("phq2", 4))
    assert "phq2_positive" in _rules(desk, patient)
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", 6, item9=0))
    assert "phq2_positive" not in _rules(desk, patient)


@pytest.mark.parametrize(("total", "fires"), [(9, False), (10, True)])
def test_gad7_fires_at_moderate(desk: Desk, patient: Patient, total: int, fires: bool) -> None:
    """Spitzer RL, Kroenke K, Williams JB, Löwe B. Arch Intern Med 2006;166:1092-7: a GAD-7
    total of 10 or more (moderate) calls for further evaluation: a behavioral health referral."""
    desk.screeners.record(patient.id, "gad7", answers_for("gad7", total))
    found = [s for s in desk.suggestions.for_patient(patient.id) if s.rule == "gad7_moderate"]
    assert bool(found) is fires
    if fires:
        assert "GAD-7 total 10 (moderate)" in found[0].reason
        desk.suggestions.accept(patient.id, found[0].id)
        tree = desk.plans.plan_tree(patient.id)
        assert tree is not None
        [activity] = [a for p in tree.problems for g in p.goals for a in g.activities]
        assert activity.kind == "referral" and activity.description.startswith("Behavioral health")


def test_one_referral_answers_both_phq9_and_gad7(desk: Desk, patient: Patient) -> None:
    desk.screeners.record(patient.id, "phq9", answers_for("phq9", 12, item9=0))
    desk.screeners.record(patient.id, "gad7", answers_for("gad7", 15))
    assert {"phq9_moderate", "gad7_moderate"} <= set(_rules(desk, patient))
    desk.suggestions.accept(patient.id, _one(desk, patient, "gad7_moderate"))
    assert not {"phq9_moderate", "gad7_moderate"} & set(_rules(desk, patient))
