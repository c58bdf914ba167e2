"""The chart read model: everything a chart header and its tabs need, in one call.

Opening a chart is itself audited (``chart.open``, docs/architecture.md#the-audit-trail), so it
runs as one short write
transaction that reads a consistent snapshot and appends the event. The timeline comes as its
count and first page only: a chart with years of notes opens as fast as a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from careDesk.care.registry import PatientRead, list_family, read_patient
from careDesk.care.verb_kit import live
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.base import Record
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication, Observation
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.risk import RiskScore
from careDesk.model.team import CareTeamMember
from careDesk.model.timeline import TimelineEntry
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

R = TypeVar("R", bound=Record)
TIMELINE_PAGE = 50
RECENT_ENCOUNTERS = 50
RECENT_OBSERVATIONS = 200


@dataclass(frozen=True)
class Chart:
    """A patient's chart as plain data (rows are detached copies, safe to keep)."""

    patient: PatientRead
    family: list[FamilyMember]
    care_team: list[CareTeamMember]
    conditions: list[Condition]
    medications: list[Medication]
    allergies: list[Allergy]
    encounters: list[Encounter]
    observations: list[Observation]
    latest_observations: list[Observation]
    alerts: list[Alert]
    screeners: list[ScreenerResult]
    risk: RiskScore | None
    timeline_count: int
    timeline: list[TimelineEntry]

    def as_dict(self) -> dict[str, Any]:
        """The chart as JSON-ready data (dates and times as ISO text)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, SQLModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _live(table: type[R], patient_id: str) -> SelectOfScalar[R]:
    column = getattr(table, "patient_id")  # noqa: B009  (every clinical table has it)
    return select(table).where(column == patient_id, col(table.deleted_at).is_(None))


def _latest_per_code(observations: list[Observation]) -> list[Observation]:
    seen: dict[str, Observation] = {}
    for obs in observations:  # newest first
        seen.setdefault(obs.loinc or obs.display, obs)
    return list(seen.values())


def _latest_screeners(session: Session, patient_id: str) -> list[ScreenerResult]:
    query = _live(ScreenerResult, patient_id).order_by(col(ScreenerResult.taken_at).desc())
    latest: dict[str, ScreenerResult] = {}
    for result in session.exec(query):
        latest.setdefault(result.instrument, result)
    return list(latest.values())


def _timeline(session: Session, patient_id: str) -> tuple[int, list[TimelineEntry]]:
    count = session.exec(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.patient_id == patient_id, col(TimelineEntry.deleted_at).is_(None))
    ).one()
    page = session.exec(
        _live(TimelineEntry, patient_id)
        .order_by(col(TimelineEntry.at).desc(), col(TimelineEntry.id).desc())
        .limit(TIMELINE_PAGE)
    )
    return int(count), list(page)


def load_chart(session: Session, patient: Patient) -> Chart:
    """Read every part of ``patient``'s chart in ``session``."""
    pid = patient.id
    observations = list(
        session.exec(
            _live(Observation, pid)
            .order_by(col(Observation.effective).desc())
            .limit(RECENT_OBSERVATIONS)
        )
    )
    count, timeline = _timeline(session, pid)
    return Chart(
        patient=read_patient(session, patient),
        family=list_family(session, pid),
        care_team=list(
            session.exec(_live(CareTeamMember, pid).order_by(col(CareTeamMember.lead).desc()))
        ),
        conditions=list(
            session.exec(
                _live(Condition, pid).order_by(col(Condition.status), col(Condition.display))
            )
        ),
        medications=list(
            session.exec(
                _live(Medication, pid).order_by(col(Medication.status), col(Medication.name))
            )
        ),
        allergies=list(session.exec(_live(Allergy, pid).order_by(col(Allergy.substance)))),
        encounters=list(
            session.exec(
                _live(Encounter, pid).order_by(col(Encounter.start).desc()).limit(RECENT_ENCOUNTERS)
            )
        ),
        observations=observations,
        latest_observations=_latest_per_code(observations),
        alerts=list(
            session.exec(
                _live(Alert, pid)
                .where(col(Alert.resolved_at).is_(None))
                .order_by(col(Alert.raised_at).desc())
            )
        ),
        screeners=_latest_screeners(session, pid),
        risk=session.get(RiskScore, pid),
        timeline_count=count,
        timeline=timeline,
    )


def open_chart(desk: Desk, patient_id: str) -> Chart:
    """Load the chart and append its ``chart.open`` audit event, in one transaction."""
    with desk.writing(Permission.READ) as tx:
        patient = live(tx.session, Patient, patient_id, "patient")
        chart = load_chart(tx.session, patient)
        tx.audit("chart.open", entity="patient", entity_id=patient.id, patient_id=patient.id)
    return chart


def reload_chart(desk: Desk, patient_id: str) -> Chart:
    """The chart again for a chart already open, after a change: not audited again, so one
    open is one ``chart.open`` event however many edits follow (issue 18)."""
    desk.require(Permission.READ)
    with desk.reading() as session:
        return load_chart(session, live(session, Patient, patient_id, "patient"))
