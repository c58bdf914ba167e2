"""Due work: one definition, counted per scope, and the worklist's quick filters agree with it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careDesk.care.due_work import ClinicDay, Scope
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.plan import CarePlan
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.clinic_rows import NOW, patient, store

DAY = ClinicDay.of(NOW)
YESTERDAY = DAY.start - timedelta(hours=1)
LATER_TODAY = DAY.end - timedelta(minutes=1)
TOMORROW = DAY.end + timedelta(hours=1)


@pytest.fixture
def clinic(desk: Desk) -> dict[str, str]:
    """Mine (coordinated by me), a colleague's, one with a follow-up reassigned to me, one
    discharged, one with nothing due."""
    me = desk.user.id
    other = desk.users.add("coord", "violet harbour kettle drum", "coordinator").id
    mine = patient("D-MINE", coordinator_id=me)
    theirs = patient("D-THEIRS", coordinator_id=other)
    handed = patient("D-HANDED", coordinator_id=other)
    gone = patient("D-GONE", status="discharged", coordinator_id=me)
    calm = patient("D-CALM", coordinator_id=me)

    def task(pid: str, title: str, due: object, **extra: object) -> FollowUp:
        return FollowUp(patient_id=pid, kind="call", title=title, due_at=due, **extra)

    def screened(pid: str) -> ScreenerResult:
        return ScreenerResult(
            patient_id=pid,
            instrument="phq9",
            loinc="44249-1",
            total=3,
            band="minimal",
            taken_at=NOW,
        )

    store(
        desk,
        mine,
        theirs,
        handed,
        gone,
        calm,
        screened(mine.id),
        screened(handed.id),
        screened(gone.id),
        screened(calm.id),
        task(mine.id, "Missed call", YESTERDAY),  # overdue
        CarePlan(patient_id=mine.id, status="active", review_date=DAY.today),  # due today
        task(mine.id, "Snoozed", YESTERDAY, snoozed_until=LATER_TODAY),  # hidden for now
        task(mine.id, "Snooze over", YESTERDAY, snoozed_until=NOW - timedelta(minutes=5)),
        task(mine.id, "Next week", TOMORROW),  # not today
        Alert(patient_id=theirs.id, kind="phq9_item9", message="Call today", raised_at=NOW),
        task(handed.id, "Reassigned call", LATER_TODAY, assignee_id=me),  # due today
        task(gone.id, "After discharge", YESTERDAY),  # the patient left the program
        task(calm.id, "Done", YESTERDAY, status="done"),
    )
    # theirs is never screened (active): due work too.
    return {"mine": mine.id, "theirs": theirs.id, "handed": handed.id, "calm": calm.id}


def test_due_work_by_scope(desk: Desk, clinic: dict[str, str]) -> None:
    mine = desk.due_work.summary(Scope.MINE, now=NOW)
    assert (mine.patients, mine.items, mine.overdue, mine.follow_ups) == (2, 4, 2, 3)
    assert mine.words() == "Your patients — 2 with work due today (4 item(s), 2 overdue)"
    clinic_wide = desk.due_work.summary(Scope.CLINIC, now=NOW)
    # + theirs: the urgent alert and "never screened"
    assert (clinic_wide.patients, clinic_wide.items, clinic_wide.overdue) == (3, 6, 2)
    assert clinic_wide.words().startswith("Whole clinic — 3 with work due today")
    entries = desk.due_work.entries(Scope.CLINIC, now=NOW)
    assert len(entries) == clinic_wide.items
    assert entries[0].item.kind == "alert"  # urgent first
    titles = {e.item.title for e in entries}
    assert {"Snoozed", "Next week", "After discharge", "Done"}.isdisjoint(titles)
    overdue = {e.item.title for e in entries if e.item.overdue}
    assert overdue == {"Missed call", "Snooze over"}


def test_worklist_quick_filters_count_the_same_patients(desk: Desk, clinic: dict[str, str]) -> None:
    me = desk.user.id
    for scope, who in ((Scope.MINE, me), (Scope.CLINIC, None)):
        summary = desk.due_work.summary(scope, now=NOW)
        due = desk.worklist.rows(100, coordinator_id=who, quick="due", now=NOW)
        assert len(due) == summary.patients == desk.worklist.count(who, quick="due", now=NOW)
        with_entries = {e.patient_id for e in desk.due_work.entries(scope, now=NOW)}
        assert {r.id for r in due} == with_entries
    overdue = desk.worklist.rows(100, quick="overdue", now=NOW)
    assert [r.id for r in overdue] == [clinic["mine"]]
    today = {r.id for r in desk.worklist.rows(100, quick="today", now=NOW)}
    assert today == {clinic["mine"], clinic["theirs"], clinic["handed"]}
    never = desk.worklist.rows(100, quick="never_screened", now=NOW)
    assert [r.id for r in never] == [clinic["theirs"]]
    # "mine" includes the patient whose follow-up was reassigned to me, not a colleague's other
    mine = {r.id for r in desk.worklist.rows(100, coordinator_id=me, now=NOW)}
    assert mine == {clinic["mine"], clinic["handed"], clinic["calm"]}
    with pytest.raises(ValidationFailed, match="filter"):
        desk.worklist.rows(quick="someday")


def test_not_improving_quick_filter_follows_the_depression_registry(desk: Desk) -> None:
    """PHQ-9 16 → 13 after 13 weeks: less than 50 % better 10–12 weeks after the baseline is
    "not improving" (AIMS Center, "Measurement-based treatment to target"; Bao Y et al.,
    Psychiatr Serv 2016;67:418-24); 18 → 8 is at least 50 % lower, a response (NCQA HEDIS
    DRR-E)."""
    from careDesk.model.base import utcnow
    from careDesk.model.clinical import Condition

    now = utcnow()
    rows: list[object] = []
    ids = {}
    for key, scores in (("stuck", ((16, 95), (13, 5))), ("better", ((18, 95), (8, 5)))):
        p = patient(f"NI-{key}", enrolled_on=(now - timedelta(days=120)).date())
        ids[key] = p.id
        rows += [p, Condition(patient_id=p.id, display="Major depression", icd10="F32.9")]
        rows += [
            ScreenerResult(
                patient_id=p.id,
                instrument="phq9",
                loinc="44249-1",
                total=total,
                taken_at=now - timedelta(days=days),
            )
            for total, days in scores
        ]
    store(desk, *rows)  # type: ignore[arg-type]
    found = desk.worklist.rows(100, quick="not_improving")
    assert [r.id for r in found] == [ids["stuck"]]
    assert any("not improving" in reason for reason in found[0].reasons)
    assert desk.worklist.count(quick="not_improving") == 1
