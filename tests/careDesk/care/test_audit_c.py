"""AUDIT-C: scoring, the sex-dependent cut-off, the skip rule and the codes, from the sources.

- Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA. The AUDIT alcohol consumption
  questions (AUDIT-C). Arch Intern Med 1998;158:1789-95: three questions, 0-4 each, total 0-12;
  a score of 4 or more in men.
- Bradley KA, DeBenedetti AF, Volk RJ, et al. AUDIT-C as a brief screen for alcohol misuse in
  primary care. Alcohol Clin Exp Res 2007;31:1208-17: positive at 4 or more for men and 3 or
  more for women.
- Babor TF et al. AUDIT, 2nd ed. WHO 2001: a patient who answers "Never" to question 1 is not
  asked questions 2 and 3 (they score 0).
- LOINC panel 72109-2 (loinc.org/72109-2): items 68518-0, 68519-8, 68520-6, total 75626-2;
  answer lists LL2179-1, LL2180-9, LL2181-7.
- careDesk's choice (not in the sources): a patient whose record says neither female nor male
  is screened with the lower cut-off, 3, so a positive screen is not missed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.instruments import instrument, score
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import ScreenerResult
from tests.careDesk.care.support_records import make_patient


def audit(q1: int, q2: int | None = None, q3: int | None = None) -> dict[str, Any]:
    """AUDIT-C answers (question 2 and 3 left out when None)."""
    answers: dict[str, Any] = {"auditc_1": q1}
    if q2 is not None:
        answers["auditc_2"] = q2
    if q3 is not None:
        answers["auditc_3"] = q3
    return answers


@pytest.mark.parametrize(
    ("sex", "answers", "positive"),
    [
        ("male", audit(1, 1, 1), False),  # 3: below the men's cut-off of 4 (Bradley 2007)
        ("male", audit(2, 1, 1), True),  # 4: positive for men (Bush 1998; Bradley 2007)
        ("female", audit(1, 0, 1), False),  # 2: below the women's cut-off of 3
        ("female", audit(1, 1, 1), True),  # 3: positive for women (Bradley 2007)
        ("unknown", audit(1, 1, 1), True),  # careDesk's choice: the lower cut-off
        ("other", audit(1, 1, 1), True),
        (None, audit(1, 1, 1), True),
        (None, audit(1, 0, 1), False),
        ("male", audit(4, 4, 4), True),  # 12, the highest total
    ],
)
def test_positive_screen_follows_the_published_cut_off_for_the_patients_sex(
    sex: str | None, answers: dict[str, Any], positive: bool
) -> None:
    result = score(instrument("audit_c"), answers, sex=sex)
    assert result.total == sum(answers.values())
    assert result.positive is positive


def test_the_cut_off_used_is_said_and_unknown_sex_says_the_lower_one_is_used() -> None:
    inst = instrument("audit_c")
    men = score(inst, audit(1, 1, 1), sex="male")
    women = score(inst, audit(1, 1, 1), sex="female")
    unknown = score(inst, audit(1, 1, 1), sex="unknown")
    assert (men.cut_off, women.cut_off, unknown.cut_off) == (4, 3, 3)
    assert men.cut_off_why is not None and "men" in men.cut_off_why
    assert unknown.cut_off_why is not None and "not recorded" in unknown.cut_off_why
    assert "lower cut-off" in unknown.cut_off_why


def test_never_drinking_skips_questions_two_and_three_and_scores_zero() -> None:
    """WHO AUDIT manual (Babor 2001): after "Never" on question 1, questions 2-3 are not asked."""
    result = score(instrument("audit_c"), audit(0), sex="female")
    assert (result.total, result.positive) == (0, False)
    with pytest.raises(ValidationFailed) as caught:  # a drinker must answer all three
        score(instrument("audit_c"), audit(1, 1), sex="female")
    assert caught.value.field == "auditc_3"


def test_an_answer_to_a_skipped_question_is_refused_not_scored() -> None:
    """ "Never" drinks yet "10 or more" on a typical day contradicts itself: refused."""
    with pytest.raises(ValidationFailed) as caught:
        score(instrument("audit_c"), audit(0, 4, 0), sex="male")
    assert caught.value.field == "auditc_2"
    assert "leave it empty" in caught.value.reason
    assert score(instrument("audit_c"), audit(0, 0, 0)).total == 0  # the lowest answer is fine


@pytest.mark.parametrize("bad", [5, -1, "2", True])
def test_answers_outside_zero_to_four_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score(instrument("audit_c"), {"auditc_1": 2, "auditc_2": bad, "auditc_3": 0})
    assert caught.value.field == "auditc_2"


def test_codes_are_loincs() -> None:
    """LOINC 72109-2 panel, its items and answer lists LL2179-1, LL2180-9, LL2181-7."""
    inst = instrument("audit_c")
    assert (inst.loinc_panel, inst.loinc_total, inst.maximum) == ("72109-2", "75626-2", 12)
    codes = {item.id: item.loinc for item in inst.items}
    assert codes == {"auditc_1": "68518-0", "auditc_2": "68519-8", "auditc_3": "68520-6"}
    answers = {item.id: [o.answer_loinc for o in item.options] for item in inst.items}
    assert answers == {
        "auditc_1": ["LA6270-8", "LA18926-8", "LA18927-6", "LA18928-4", "LA18929-2"],
        "auditc_2": ["LA15694-5", "LA15695-2", "LA18930-0", "LA18931-8", "LA18932-6"],
        "auditc_3": ["LA6270-8", "LA18933-4", "LA18876-5", "LA18891-4", "LA18934-2"],
    }


@pytest.mark.parametrize(("sex", "positive"), [("female", True), ("male", False)])
def test_recording_uses_the_sex_on_the_patients_record(
    desk: Desk, sex: str, positive: bool
) -> None:
    """A total of 3: positive for a woman, not for a man (Bradley 2007)."""
    patient = make_patient(desk, sex=sex)
    reading = desk.screeners.record(patient.id, "audit_c", audit(1, 1, 1)).value
    assert (reading.total, reading.positive) == (3, positive)
    assert reading.cut_off_why is not None
    with desk.reading() as session:
        row = session.exec(select(ScreenerResult)).one()
    assert (row.instrument, row.loinc, row.positive) == ("audit_c", "72109-2", positive)
