"""The handout read model: everything a handout may print about one patient, read in one go.

Handouts read the model tables directly (one query per table, tombstones left out) so they do
not depend on the care services. Only what is in the record is loaded; the content builders
never add facts of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from careDesk.care.measures.progress import Progress
from careDesk.errors import NotFound
from careDesk.handouts.template_words import TemplateWords, shipped_words, with_clinic_templates
from careDesk.model.base import Record
from careDesk.model.clinical import Allergy, Condition, Medication
from careDesk.model.handout import HandoutPreference
from careDesk.model.patient import Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import CommunityResource, ResourceReferral
from careDesk.model.schedule import Appointment
from careDesk.model.security import User
from careDesk.model.team import CareTeamMember
from careDesk.model.template import PlanTemplate
from careDesk.model.timeline import Transition

T = TypeVar("T", bound=Record)

OPEN_ACTIVITY = ("planned", "in_progress")
OPEN_RESOURCE_REFERRAL = ("referred", "connected")


@dataclass(frozen=True)
class Coordinator:
    """Who the patient calls: their named care coordinator."""

    name: str
    phone: str | None


@dataclass
class PatientRecord:
    """One patient's printable record (loaded by :func:`load_record`)."""

    patient: Patient
    zone: ZoneInfo
    coordinator: Coordinator | None = None
    conditions: list[Condition] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    plan: CarePlan | None = None
    problems: list[Problem] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    resources: list[tuple[ResourceReferral, CommunityResource]] = field(default_factory=list)
    care_team: list[CareTeamMember] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    preference: HandoutPreference | None = None
    template_words: TemplateWords = field(default_factory=shipped_words)
    # Linked goals' latest values and targets, by goal id (issue 17).
    readings: dict[str, Progress] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The name printed on each page: preferred or given name, then family name."""
        first = self.patient.preferred_name or self.patient.given_name
        return f"{first} {self.patient.family_name}".strip()


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _live(session: Session, table: type[T], *where: Any) -> list[T]:
    query = select(table).where(col(table.deleted_at).is_(None), *where)
    return list(session.exec(query))


def find_patient(session: Session, key: str) -> Patient:
    """The patient with id or MRN ``key`` (tombstoned patients are not found)."""
    patient = session.get(Patient, key)
    if patient is None or patient.deleted_at is not None:
        patient = session.exec(
            select(Patient).where(Patient.mrn == key, col(Patient.deleted_at).is_(None))
        ).first()
    if patient is None:
        raise NotFound("patient", key)
    return patient


def _coordinator(
    session: Session, patient: Patient, team: list[CareTeamMember]
) -> Coordinator | None:
    if patient.coordinator_id:
        user = session.get(User, patient.coordinator_id)
        if user is not None and user.deleted_at is None:
            lead = next((m for m in team if m.user_id == user.id), None)
            return Coordinator(user.display_name, (lead.phone if lead else None) or user.phone)
    lead_member = next((m for m in team if m.lead), None)
    if lead_member is not None:
        return Coordinator(lead_member.name, lead_member.phone)
    return None


def _active_plan(session: Session, patient_id: str) -> CarePlan | None:
    plans = _live(session, CarePlan, CarePlan.patient_id == patient_id)
    active = [p for p in plans if p.status == "active"]
    return max(active, key=lambda p: p.updated_at, default=None)


def _load_plan(session: Session, record: PatientRecord) -> None:
    plan = record.plan = _active_plan(session, record.patient.id)
    if plan is None:
        return
    record.problems = sorted(
        _live(session, Problem, Problem.plan_id == plan.id), key=lambda p: p.position
    )
    record.goals = sorted(
        (g for g in _live(session, Goal, Goal.plan_id == plan.id) if g.status == "active"),
        key=lambda g: g.position,
    )
    record.activities = sorted(
        (
            a
            for a in _live(session, Activity, Activity.plan_id == plan.id)
            if a.status in OPEN_ACTIVITY
        ),
        key=lambda a: a.position,
    )


def _load_resources(session: Session, record: PatientRecord) -> None:
    query = (
        select(ResourceReferral, CommunityResource)
        .join(CommunityResource, col(CommunityResource.id) == col(ResourceReferral.resource_id))
        .where(
            ResourceReferral.patient_id == record.patient.id,
            col(ResourceReferral.deleted_at).is_(None),
            col(CommunityResource.deleted_at).is_(None),
            col(ResourceReferral.state).in_(OPEN_RESOURCE_REFERRAL),
        )
        .order_by(col(ResourceReferral.referred_on))
    )
    record.resources = [(ref, res) for ref, res in session.exec(query)]


def load_record(
    session: Session, patient: Patient, *, now: datetime, clinic_zone: str | None = None
) -> PatientRecord:
    """Everything printable about ``patient`` as of ``now`` (aware UTC)."""
    pid = patient.id
    zone = zone_named(patient.timezone or clinic_zone)
    today = now.astimezone(zone).date()
    team = _live(session, CareTeamMember, CareTeamMember.patient_id == pid)
    record = PatientRecord(patient=patient, zone=zone, care_team=team)
    record.coordinator = _coordinator(session, patient, team)
    record.conditions = [
        c for c in _live(session, Condition, Condition.patient_id == pid) if c.status == "active"
    ]
    record.medications = [
        m
        for m in _live(session, Medication, Medication.patient_id == pid)
        if m.status == "active" and (m.stop_date is None or m.stop_date >= today)
    ]
    record.allergies = [
        a for a in _live(session, Allergy, Allergy.patient_id == pid) if a.status == "active"
    ]
    _load_plan(session, record)
    record.appointments = _live(
        session,
        Appointment,
        Appointment.patient_id == pid,
        Appointment.status == "scheduled",
        col(Appointment.starts_at) >= now,
    )
    record.appointments.sort(key=lambda a: a.starts_at)
    _load_resources(session, record)
    record.transitions = sorted(
        _live(session, Transition, Transition.patient_id == pid), key=lambda t: t.on_date
    )
    record.template_words = with_clinic_templates(r.body for r in _live(session, PlanTemplate))
    record.preference = session.exec(
        select(HandoutPreference).where(HandoutPreference.patient_id == pid)
    ).first()
    record.readings = _readings(session, pid, now)
    return record


def _readings(session: Session, patient_id: str, now: datetime) -> dict[str, Progress]:
    """The progress of the patient's linked goals (their latest value and target)."""
    from careDesk.care.measures.progress import progress, series_for
    from careDesk.care.measures.series import patient_series
    from careDesk.care.measures.service import goal_links

    links = goal_links(session, patient_id)
    if not links:
        return {}
    found = patient_series(session, patient_id)
    return {
        link.goal_id: progress(link, series_for(link.measure_loinc, found), now) for link in links
    }


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of ``moment`` in ``zone``."""
    return moment.astimezone(zone).date()
