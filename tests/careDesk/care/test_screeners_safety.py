"""AHC-HRSN interpersonal safety: the CMS sum rule, and careDesk's own private safety review.

CMS rule (kept): the four safety items are scored Never 1 … Frequently 5 and the domain is
positive when their sum is above 10 (CMS AHC-HRSN Screening Tool guide, 2021; Billioux et al.,
NAM Perspectives 2017).

careDesk's own rule, NOT a CMS rule: any "physically hurt" answer other than Never opens a
private safety review (a staff follow-up and a chart alert), whatever the sum. Private: the
answer never reaches a patient-facing output (outreach messages of any channel, handouts).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.instruments import instrument
from careDesk.care.screeners import PRIVATE_REVIEW_ORIGIN
from careDesk.desk import Desk
from careDesk.model.assessment import Alert
from careDesk.model.base import utcnow
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.schedule import printing
from careDesk.schedule.templates import TEMPLATES
from tests.careDesk.care.clinic_rows import patient, store
from tests.careDesk.care.test_instruments import hrsn
from tests.careDesk.handouts.pdfcheck import all_text
from tests.careDesk.schedule.conftest import add_patient

SAFETY = ("safety_hurt", "safety_insult", "safety_threaten", "safety_scream")
ANSWER_WORDS = ("Never", "Rarely", "Sometimes", "Fairly often", "Frequently")


def _answers(values: tuple[int, int, int, int]) -> dict[str, Any]:
    return hrsn(**dict(zip(SAFETY, values, strict=True)))


@pytest.mark.parametrize(
    ("values", "cms_positive", "private_review"),
    [
        ((1, 1, 1, 1), False, False),  # all Never
        ((2, 1, 1, 1), False, True),  # hurt Rarely: sum 5, CMS negative, careDesk review
        ((5, 1, 1, 1), False, True),  # hurt Frequently: sum 8, CMS negative, careDesk review
        ((4, 3, 2, 1), False, True),  # sum 10: not above 10 (CMS), review for hurt
        ((4, 3, 2, 2), True, True),  # sum 11: CMS positive, and review for hurt
        ((1, 5, 5, 5), True, False),  # sum 16, never hurt: CMS positive, no careDesk review
    ],
)
def test_cms_sum_rule_is_kept_and_hurt_other_than_never_opens_a_private_review(
    desk: Desk, values: tuple[int, int, int, int], cms_positive: bool, private_review: bool
) -> None:
    p = patient("H-1")
    store(desk, p)
    reading = desk.screeners.record(p.id, "ahc_hrsn", _answers(values)).value
    assert ("safety" in reading.positive_domains) is cms_positive
    assert reading.private_review is private_review
    with desk.reading() as s:
        reviews = s.exec(select(FollowUp).where(FollowUp.origin == PRIVATE_REVIEW_ORIGIN)).all()
        alerts = s.exec(select(Alert).where(Alert.kind == PRIVATE_REVIEW_ORIGIN)).all()
    assert (len(reviews), len(alerts)) == ((1, 1) if private_review else (0, 0))


def test_the_review_is_staff_work_labelled_as_careDesk_rule_with_the_answer_only_on_the_chart(
    desk: Desk,
) -> None:
    p = patient("H-2", coordinator_id=desk.user.id)
    store(desk, p)
    before = utcnow()
    reading = desk.screeners.record(p.id, "ahc_hrsn", _answers((3, 1, 1, 1))).value
    with desk.reading() as s:
        review = s.get(FollowUp, reading.follow_up_id)
        alert = s.get(Alert, reading.alert_id)
    assert review is not None and alert is not None
    assert review.status == "open" and review.assignee_id == desk.user.id
    assert before - timedelta(seconds=1) <= review.due_at.replace(tzinfo=before.tzinfo)
    assert not any(word.lower() in review.title.lower() for word in ANSWER_WORDS)
    assert "careDesk rule" in review.title
    assert "Sometimes" in alert.message and "careDesk rule, not a CMS rule" in alert.message
    assert alert.screener_id == reading.id
    rule = instrument("ahc_hrsn").private_review
    assert rule is not None and "not a CMS rule" in rule.rule
    assert desk.followups.open_for_patient(p.id)[0].id == review.id


def _patient_facing_texts(desk: Desk, patient_id: str) -> list[str]:
    """Every outreach message of every template and channel, and the handouts, as text."""
    now = utcnow()
    with desk.writing() as tx:
        tx.add(
            Appointment(patient_id=patient_id, starts_at=now + timedelta(days=1), place="Room 2"),
            kind="appointment",
            patient_id=patient_id,
        )
    desk.outbox.queue_appointment_reminders(now=now)
    for template in TEMPLATES:
        for channel in ("email", "sms", "letter", "phone"):
            values = {"date": "Monday, March 2", "time": "9:00 AM"}
            desk.outbox.queue(patient_id, template, channel=channel, values=values, now=now)
    texts = [f"{m.subject or ''} {m.body}" for m in _bodies(desk)]
    texts.append(all_text(printing.letter_batch(desk).pdf))
    texts.append(all_text(printing.call_list(desk).pdf))
    for language in ("en", "es"):
        texts.append(desk.handouts.patient_content(patient_id, language=language).plain_text())
        texts.append(all_text(desk.handouts.patient_handout(patient_id, language=language)))
    return texts


def _bodies(desk: Desk) -> list[Any]:
    from careDesk.model.outreach import OutboxMessage

    with desk.reading() as s:
        return list(s.exec(select(OutboxMessage)).all())


def test_no_message_or_handout_carries_the_answer_or_the_review(desk: Desk) -> None:
    desk.settings.set("clinic.name", "Riverside Clinic")
    desk.settings.set("clinic.phone", "555-0100")
    p = add_patient(desk, language="en", coordinator_id=desk.user.id, consent_letter=True)
    desk.templates.apply(p.id, "copd")  # a real plan, so the handout has content
    reading = desk.screeners.record(p.id, "ahc_hrsn", _answers((4, 1, 1, 1))).value
    assert reading.private_review
    texts = _patient_facing_texts(desk, p.id)
    assert len(texts) >= 4 * 4 + 5  # every template on every channel, letters, call list
    banned = ("hurt", "safety", "seguridad", "Fairly often", "AHC", "private", "review")
    for text in texts:
        assert text.strip()
        for word in banned:
            assert word.lower() not in text.lower(), word
