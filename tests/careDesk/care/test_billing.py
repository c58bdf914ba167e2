"""Minutes for billing (issue 19): dated, timed, categorised calls and notes on a real vault,
the sums per patient-month-category, the codes they support and the CSV export.

CCM thresholds are the CPT code descriptors (AMA CPT 2024): 99490 "at least 20 minutes of
clinical staff time … per calendar month", +99439 "each additional 20 minutes", at most twice a
month (CY 2021 Medicare PFS final rule, 85 FR 84472); 99487 complex CCM "first 60 minutes".
Every CCM code needs program consent and two or more chronic conditions (CMS MLN909188).
Whose time: the coordinator role is clinical staff, the clinician a physician/QHP, an admin's
minutes are not counted (careDesk.care.ccm, MLN909188).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from careDesk.changes import Kind
from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from careDesk.model.patient import Patient
from careDesk.model.security import user_id
from tests.careDesk.care.clinic_rows import patient as patient_row
from tests.careDesk.care.clinic_rows import store
from tests.careDesk.care.support_records import read_only_desk

PASSWORD = "violet harbour compass lantern"
OCT = datetime(2026, 10, 14, 15, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def staff(desk: Desk, fast_kdf: None) -> dict[str, str]:
    desk.users.add("nurse", PASSWORD, "coordinator")
    desk.users.add("doctor", PASSWORD, "clinician")
    return {"nurse": user_id("nurse"), "doctor": user_id("doctor"), "admin": desk.user.id}


def enrolled(desk: Desk, mrn: str, family: str = "Ruiz") -> Patient:
    """A consenting patient with two chronic conditions (what CCM needs)."""
    p = patient_row(mrn, family_name=family, consent_program=True)
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="Type 2 diabetes", icd10="E11.9"),
        Condition(patient_id=p.id, display="Heart failure", icd10="I50.9"),
    )
    return p


def call(desk: Desk, pid: str, minutes: int, at: datetime, who: str, category: str = "ccm") -> None:
    desk.timeline.log_call(
        pid, outcome="reached", minutes=minutes, at=at, staff_id=who, category=category
    )


@pytest.mark.parametrize(
    ("minutes", "codes", "next_code", "next_at"),
    [
        (19, "", "99490", 20),
        (20, "99490", "99439", 40),
        (39, "99490", "99439", 40),
        (40, "99490, 99439", "99439", 60),
        (60, "99490, 99439 x2", None, None),  # 99439 at most twice: nothing further
    ],
)
def test_ccm_codes_and_next_threshold_at_the_published_boundaries(
    desk: Desk,
    staff: dict[str, str],
    minutes: int,
    codes: str,
    next_code: str | None,
    next_at: int | None,
) -> None:
    p = enrolled(desk, "B-1")
    call(desk, p.id, minutes, NOV, staff["nurse"])
    [row] = desk.billing.month(2026, 11)
    assert (row.category, row.minutes, row.staff_minutes) == ("ccm", minutes, minutes)
    assert row.code_text() == codes
    step = row.next_step
    assert (step and step.code, step and step.at) == (next_code, next_at)
    assert row.near == (minutes in (19, 39))  # 1 minute short


def test_minutes_sum_per_patient_month_and_category(desk: Desk, staff: dict[str, str]) -> None:
    a, b = enrolled(desk, "B-2", "Alba"), enrolled(desk, "B-3", "Bravo")
    call(desk, a.id, 10, NOV, staff["nurse"])
    desk.timeline.add_note(
        a.id, summary="Med review", minutes=5, at=NOV + timedelta(days=1), staff_id=staff["nurse"]
    )
    call(desk, a.id, 30, NOV, staff["nurse"], "pcm")
    call(desk, a.id, 7, NOV, staff["nurse"], "none")
    call(desk, a.id, 25, OCT, staff["nurse"])  # October: another month
    call(desk, b.id, 20, NOV, staff["nurse"], "bhi")
    call(desk, b.id, 40, NOV, staff["admin"])  # an admin is not clinical staff
    rows = {(r.name, r.category): r for r in desk.billing.month(2026, 11)}
    assert set(rows) == {
        ("Alba, Test", "ccm"),
        ("Alba, Test", "pcm"),
        ("Alba, Test", "none"),
        ("Bravo, Test", "ccm"),
        ("Bravo, Test", "bhi"),
    }
    assert rows[("Alba, Test", "ccm")].minutes == 15
    assert rows[("Alba, Test", "ccm")].progress() == "CCM: 15 of 20 min (99490)"
    assert rows[("Alba, Test", "pcm")].code_text() == "99426"
    assert rows[("Alba, Test", "none")].codes == ()
    assert rows[("Bravo, Test", "bhi")].code_text() == "99484"
    bravo = rows[("Bravo, Test", "ccm")]
    assert (bravo.uncounted_minutes, bravo.codes) == (40, ())
    assert bravo.progress() == (
        "CCM: 0 of 20 min (99490) (40 min by non-clinical accounts not counted)"
    )
    # The CCM report counts CCM minutes only (PCM, BHI and unbilled minutes are not CCM time).
    [alba_nov] = desk.ccm.months(date(2026, 11, 1), date(2026, 11, 30), a.id)
    assert alba_nov.facts.staff_minutes == 15
    # One category at a time.
    assert [r.category for r in desk.billing.month(2026, 11, "pcm")] == ["pcm"]
    with pytest.raises(ValidationFailed, match="choose one of"):
        desk.billing.month(2026, 11, "ccmm")


def test_a_call_dated_in_the_past_lands_in_its_month_and_the_future_is_refused(
    desk: Desk, staff: dict[str, str]
) -> None:
    p = enrolled(desk, "B-4")
    call(desk, p.id, 20, OCT, staff["nurse"])
    assert [r.month for r in desk.billing.month(2026, 10)] == ["2026-10"]
    assert desk.billing.month(2026, 11) == []
    with pytest.raises(ValidationFailed) as refused:
        call(desk, p.id, 5, utcnow() + timedelta(days=1), staff["nurse"])
    assert refused.value.field == "at" and "future" in str(refused.value)
    with pytest.raises(ValidationFailed) as refused:
        desk.timeline.add_note(p.id, summary="later", at=utcnow() + timedelta(hours=2))
    assert refused.value.field == "at"


def test_the_staff_member_must_be_an_active_user(desk: Desk, staff: dict[str, str]) -> None:
    p = enrolled(desk, "B-5")
    call(desk, p.id, 30, NOV, staff["doctor"])  # the clinician's own 30 minutes: 99491
    [row] = desk.billing.month(2026, 11)
    assert (row.practitioner_minutes, row.code_text()) == (30, "99491")
    [entry] = desk.timeline.page(p.id)
    assert (entry.category, entry.staff_id) == ("ccm", staff["doctor"])
    desk.users.disable("nurse")
    with pytest.raises(ValidationFailed) as refused:
        call(desk, p.id, 5, NOV, staff["nurse"])
    assert refused.value.field == "staff_id"
    with pytest.raises(ValidationFailed) as refused:
        desk.timeline.log_call(p.id, outcome="reached", category="bhi")  # no minutes
    assert refused.value.field == "category"


def test_a_call_completes_the_follow_up_it_answers(desk: Desk, staff: dict[str, str]) -> None:
    p, other = enrolled(desk, "B-6"), enrolled(desk, "B-7")
    due = utcnow() - timedelta(days=1)
    task = desk.followups.create(p.id, kind="call", title="Check BP log", due_at=due).value
    elsewhere = desk.followups.create(other.id, kind="call", title="x", due_at=due).value
    with pytest.raises(ValidationFailed) as refused:  # another patient's follow-up
        desk.timeline.log_call(p.id, outcome="reached", follow_up_id=elsewhere.id)
    assert refused.value.field == "follow_up_id"
    assert desk.timeline.count(p.id) == 0  # nothing half-written
    done = desk.timeline.log_call(
        p.id, outcome="reached", summary="BP fine", minutes=12, at=NOV, follow_up_id=task.id
    )
    assert Kind.FOLLOW_UP in done.changes.kinds
    assert desk.followups.open_for_patient(p.id) == []
    events = desk.audit_events(patient_id=p.id, action="follow_up.complete")
    assert len(events) == 1
    with pytest.raises(ValidationFailed, match="already done"):
        desk.timeline.log_call(p.id, outcome="reached", follow_up_id=task.id)


def test_csv_export_reads_back_and_is_audited(
    desk: Desk, staff: dict[str, str], tmp_path: Path
) -> None:
    p = enrolled(desk, "B-8", "=HYPERLINK")  # a name a spreadsheet would run as a formula
    call(desk, p.id, 17, NOV, staff["nurse"])
    out = tmp_path / "billing.csv"
    assert desk.billing.export_csv(out, 2026, 11) == 1
    with out.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["name"] == "'=HYPERLINK, Test"
    assert (row["month"], row["category"], row["minutes"]) == ("2026-11", "ccm", "17")
    assert (row["codes"], row["next_threshold"], row["minutes_to_next"]) == ("", "99490", "3")
    assert row["near_threshold"] == "yes"
    [event] = desk.audit_events(action="export.billing")
    assert json.loads(event.detail) == {"month": "2026-11", "rows": 1}


def test_cocm_initial_month_then_subsequent(desk: Desk, staff: dict[str, str]) -> None:
    """CPT 99492 in the first month of the episode, 99493 after (CPT 2018)."""
    p = enrolled(desk, "B-9")
    call(desk, p.id, 36, OCT, staff["nurse"], "cocm")
    call(desk, p.id, 31, NOV, staff["nurse"], "cocm")
    [october] = desk.billing.month(2026, 10)
    [november] = desk.billing.month(2026, 11)
    assert (october.code_text(), november.code_text()) == ("99492", "99493")


def test_reading_needs_read_and_export_needs_export(
    desk: Desk, staff: dict[str, str], tmp_path: Path
) -> None:
    p = enrolled(desk, "B-10")
    call(desk, p.id, 20, NOV, staff["nurse"])
    with read_only_desk(desk) as reader:
        assert len(reader.billing.month(2026, 11)) == 1
        with pytest.raises(PermissionDenied):
            reader.billing.export_csv(tmp_path / "x.csv", 2026, 11)
    assert not (tmp_path / "x.csv").exists()


def test_complex_ccm_minutes_aim_at_60_and_say_what_complex_ccm_needs(
    desk: Desk, staff: dict[str, str]
) -> None:
    """CPT 99487: complex CCM, first 60 minutes, with moderate or high complexity medical
    decision making and a care plan established or substantially revised."""
    p = enrolled(desk, "B-11")
    call(desk, p.id, 45, NOV, staff["nurse"], "ccm_complex")
    [row] = desk.billing.month(2026, 11)
    assert row.category == "ccm_complex"
    assert row.next_step is not None and row.next_step.words() == "45 of 60 min (99487)"
    assert any("decision making" in m for m in row.missing)
    assert row.code_text() == "99490, 99439"  # what the minutes support until then


def test_without_consent_the_header_says_why_it_is_not_billable(
    desk: Desk, staff: dict[str, str]
) -> None:
    p = patient_row("B-12")  # no program consent (CMS MLN909188: consent before billing)
    store(desk, p)
    call(desk, p.id, 25, NOV, staff["nurse"])
    call(desk, p.id, 25, NOV, staff["nurse"], "pcm")
    ccm, pcm = desk.billing.month(2026, 11)
    assert ccm.codes == () and pcm.codes == ()
    assert ccm.progress() == (
        "CCM: 25 of 40 min (99439); not billable: no CCM consent on file for this month"
    )
    assert pcm.progress().endswith("not billable: no program consent on file for this month")


def test_a_voicemail_does_not_complete_an_urgent_follow_up(
    desk: Desk, staff: dict[str, str]
) -> None:
    """careDesk's rule: urgent work (e.g. the call PHQ-9 item 9 raises) stays open until the
    patient is reached; a voicemail or no answer cannot close it."""
    p = enrolled(desk, "B-13")
    urgent = desk.followups.create(
        p.id, kind="call", title="Safety call", due_at=utcnow(), urgent=True
    ).value
    for outcome in ("voicemail", "no_answer"):
        with pytest.raises(ValidationFailed) as refused:
            desk.timeline.log_call(p.id, outcome=outcome, minutes=2, follow_up_id=urgent.id)
        assert refused.value.field == "follow_up_id"
    assert [f.id for f in desk.followups.open_for_patient(p.id)] == [urgent.id]
    assert desk.timeline.count(p.id) == 0  # the refused calls wrote nothing
    desk.timeline.log_call(p.id, outcome="reached", minutes=9, follow_up_id=urgent.id)
    assert desk.followups.open_for_patient(p.id) == []


def test_the_reports_ccm_minutes_leave_other_categories_out(
    desk: Desk, staff: dict[str, str]
) -> None:
    """Reports count patients reaching 20/40/60 CCM minutes (CPT 99490/99439): PCM or
    unbilled minutes are not CCM time."""
    p = enrolled(desk, "B-14")
    call(desk, p.id, 10, NOV, staff["nurse"])
    call(desk, p.id, 30, NOV, staff["nurse"], "pcm")
    call(desk, p.id, 15, NOV, staff["nurse"], "none")
    report = desk.metrics.report(date(2026, 11, 1), date(2026, 11, 30))
    assert [(m.patient_id, m.minutes) for m in report.minutes] == [(p.id, 10)]
