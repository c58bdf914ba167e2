"""Recording screeners (``desk.screeners``): score, store with LOINC, raise same-day work.

A PHQ-9 item 9 answer ≥ 1 (thoughts of being better off dead or of self-harm) needs same-day
follow-up whatever the total (Kroenke 2001;
docs/clinical-sources.md#phq-9-item-9-same-day-follow-up): the screener, an urgent call task and
an alert on the chart are written in one transaction, so none exists without the others. The
work is raised by :mod:`careDesk.care.urgent`, the one place every path (this form, FHIR import,
sync, the demo) takes it from.

AHC-HRSN keeps the CMS scoring (interpersonal safety positive when the four items sum above 10;
CMS AHC-HRSN Screening Tool guide, 2021; Billioux 2017). Separately, by **careDesk's own rule,
not a CMS rule**, any "physically hurt" answer other than Never opens a *private safety review*:
a staff follow-up (due today, assigned to the coordinator) and a chart alert, written with the
screener. Private means staff only: the follow-up's title does not carry the answer, and no
outreach message or handout is built from follow-ups, alerts or screener answers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from careDesk.care.instruments import Scored, instrument, score
from careDesk.care.urgent import URGENT_ORIGIN, ensure_urgent_work
from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

PRIVATE_REVIEW_ORIGIN = "hrsn_physically_hurt"  # careDesk's own rule, not a CMS rule
PRIVATE_REVIEW_TITLE = "Private safety review: talk with the patient alone (careDesk rule)"

__all__ = [
    "PRIVATE_REVIEW_ORIGIN",
    "PRIVATE_REVIEW_TITLE",
    "URGENT_ORIGIN",
    "ScreenerReading",
    "Screeners",
]


@dataclass(frozen=True)
class ScreenerReading:
    """A stored screener result as plain data."""

    id: str
    patient_id: str
    instrument: str
    loinc: str
    taken_at: datetime
    total: int | None
    band: str | None
    positive: bool
    positive_domains: tuple[str, ...]
    urgent: bool = False
    private_review: bool = False  # careDesk's own rule (AHC-HRSN "physically hurt" not Never)
    follow_up_id: str | None = None
    alert_id: str | None = None
    cut_off_why: str | None = None  # which cut-off applied, where it depends on sex (AUDIT-C)


def _reading(row: ScreenerResult, scored_urgent: bool = False) -> ScreenerReading:
    return ScreenerReading(
        id=row.id,
        patient_id=row.patient_id,
        instrument=row.instrument,
        loinc=row.loinc,
        taken_at=row.taken_at,
        total=row.total,
        band=row.band,
        positive=row.positive,
        positive_domains=tuple(json.loads(row.positive_domains or "[]")),
        urgent=scored_urgent,
    )


def _taken_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        raise ValidationFailed("taken_at", "needs a time zone (UTC)")
    if value > now + timedelta(minutes=5):
        raise ValidationFailed("taken_at", "cannot be in the future")
    return value


class Screeners:
    """Assessment verbs on the desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def record(
        self,
        patient_id: str,
        instrument_id: str,
        answers: Mapping[str, Any],
        taken_at: datetime | None = None,
    ) -> Outcome[ScreenerReading]:
        """Score and store a screener; PHQ-9 item 9 ≥ 1 also creates an urgent call and alert.

        The patient's recorded sex chooses the cut-off where the instrument's differ by sex
        (AUDIT-C); when it is neither female nor male the lower cut-off applies."""
        self.desk.require(Permission.EDIT)
        inst = instrument(instrument_id)
        score(inst, answers)  # refuse bad answers before opening a transaction
        with self.desk.writing(Permission.EDIT) as tx:
            patient = tx.session.get(Patient, patient_id)
            if patient is None or patient.deleted_at is not None:
                raise NotFound("patient", patient_id)
            scored = score(inst, answers, sex=patient.sex)  # AUDIT-C's cut-off is by sex
            row = ScreenerResult(
                patient_id=patient_id,
                instrument=inst.id,
                loinc=inst.loinc_panel,
                answers=json.dumps(scored.answers, sort_keys=True),
                total=scored.total,
                band=scored.band,
                positive=scored.positive,
                positive_domains=json.dumps(list(scored.positive_domains)),
                taken_at=_taken_at(taken_at, tx.now),
            )
            tx.add(row, kind="screener", patient_id=patient_id)
            work = ensure_urgent_work(tx, row)
            follow_up_id = work.follow_up_id if work else None
            alert_id = work.alert_id if work else None
            if work is None and scored.private_review:
                follow_up_id, alert_id = _open_private_review(tx, patient, row, scored)
            tx.audit(
                "screener.record",
                entity="screener_result",
                entity_id=row.id,
                patient_id=patient_id,
                detail={
                    "instrument": inst.id,
                    "urgent": scored.urgent,
                    "private_review": scored.private_review,
                },
            )
        reading = replace(
            _reading(row, scored.urgent),
            private_review=scored.private_review,
            cut_off_why=scored.cut_off_why,
            follow_up_id=follow_up_id,
            alert_id=alert_id,
        )
        return Outcome(reading, tx.changes)

    def history(self, patient_id: str, instrument_id: str | None = None) -> list[ScreenerReading]:
        """The patient's screeners, newest first (optionally of one instrument)."""
        self.desk.require(Permission.READ)
        query = select(ScreenerResult).where(
            ScreenerResult.patient_id == patient_id, col(ScreenerResult.deleted_at).is_(None)
        )
        if instrument_id is not None:
            query = query.where(ScreenerResult.instrument == instrument_id)
        query = query.order_by(col(ScreenerResult.taken_at).desc())
        with self.desk.reading() as session:
            return [_reading(row) for row in session.exec(query)]


def _open_private_review(
    tx: Tx, patient: Patient, row: ScreenerResult, scored: Scored
) -> tuple[str, str]:
    """careDesk's own rule, not a CMS rule: AHC-HRSN "physically hurt" answered other than
    Never → a private safety review (staff follow-up due today and a chart alert).

    The follow-up title is the same for every answer, so a reminder or task list read over
    someone's shoulder does not tell how often the patient is hurt; the answer is only in the
    alert on the chart (staff only) and in the stored screener."""
    inst = instrument(scored.instrument)
    assert inst.private_review is not None
    item = inst.item(inst.private_review.item)
    answer = scored.answers[inst.private_review.item]
    words = next((o.text for o in item.options if o.key == answer), str(answer)) if item else ""
    follow_up = FollowUp(
        patient_id=patient.id,
        kind="visit",
        title=PRIVATE_REVIEW_TITLE,
        due_at=tx.now,
        assignee_id=patient.coordinator_id or tx.desk.user.id,
        origin=PRIVATE_REVIEW_ORIGIN,
    )
    tx.add(follow_up, kind="follow_up", patient_id=patient.id)
    alert = Alert(
        patient_id=patient.id,
        kind=PRIVATE_REVIEW_ORIGIN,
        severity="warning",
        message=(
            f"AHC-HRSN: physically hurt answered {words}. Private safety review with the patient "
            "alone; keep it out of messages and handouts (careDesk rule, not a CMS rule)."
        ),
        raised_at=tx.now,
        screener_id=row.id,
    )
    tx.add(alert, kind="alert", patient_id=patient.id)
    return follow_up.id, alert.id
