"""A patient as a FHIR R4 Bundle (``collection``) for a partner (docs/architecture.md#interop).

Every resource gets ``fullUrl = urn:uuid:<careDesk id>``, so references resolve inside the
bundle and re-importing it into careDesk finds the same records again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from careDesk.interop import fhir_export_clinical as fc
from careDesk.interop import fhir_export_plans as fp
from careDesk.interop.fhir_measures import observation_resources
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import Record, new_id, utcnow
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication, Observation
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import Referral
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.team import CareTeamMember, Provider

R = TypeVar("R", bound=Record)
P = TypeVar("P", Problem, Goal, Activity)
DERIVED = uuid.UUID("6f1c3a52-1d7e-4c55-9a39-5f0f3e2a7c11")  # namespace for derived resource ids


def _live(session: Session, model: type[R], patient_id: str, order: Any = None) -> Sequence[R]:
    query = select(model).where(
        col(model.patient_id) == patient_id,  # type: ignore[attr-defined]
        col(model.deleted_at).is_(None),
    )
    return session.exec(query.order_by(order if order is not None else col(model.created_at))).all()


def derived_id(*parts: str) -> str:
    """A stable id for a resource careDesk keeps no row for (care team, questionnaire answers)."""
    return str(uuid.uuid5(DERIVED, "/".join(parts)))


def _by_plan(rows: Sequence[P]) -> dict[str, list[P]]:
    grouped: dict[str, list[P]] = defaultdict(list)
    for row in rows:
        grouped[row.plan_id].append(row)
    return grouped


def _plans(session: Session, pid: str) -> list[dict[str, Any]]:
    plans = _live(session, CarePlan, pid)
    if not plans:
        return []
    # Each level is read once for the patient, then split by plan (not once per plan).
    all_problems = _by_plan(_live(session, Problem, pid, col(Problem.position)))
    all_goals = _by_plan(_live(session, Goal, pid, col(Goal.position)))
    all_acts = _by_plan(_live(session, Activity, pid, col(Activity.position)))
    out: list[dict[str, Any]] = []
    for plan in plans:
        problems, goals = all_problems[plan.id], all_goals[plan.id]
        out.append(fp.care_plan(plan, problems, goals, all_acts[plan.id]))
        order = [p.id for p in problems]
        out += [
            fp.goal(g, order.index(g.problem_id) if g.problem_id in order else None) for g in goals
        ]
    return out


def _team(session: Session, pid: str) -> list[dict[str, Any]]:
    members = list(_live(session, CareTeamMember, pid))
    if not members:
        return []
    # One Practitioner per provider, even when they fill two roles on the team (a Bundle
    # must not hold two entries with the same fullUrl).
    provider_ids = dict.fromkeys(m.provider_id for m in members if m.provider_id)
    providers = [session.get(Provider, provider_id) for provider_id in provider_ids]
    out = [fp.practitioner(p) for p in providers if p is not None]
    return [*out, fp.care_team(derived_id("CareTeam", pid), pid, members)]


def _screeners(session: Session, pid: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in _live(session, ScreenerResult, pid, col(ScreenerResult.taken_at)):
        out.append(fc.screener_observation(s))
        out.append(fc.questionnaire_response(s, derived_id("QuestionnaireResponse", s.id)))
    return out


def patient_resources(session: Session, patient: Patient) -> list[dict[str, Any]]:
    """Every FHIR resource of one patient's record, the Patient first."""
    pid = patient.id
    simple: list[tuple[type[Any], Callable[[Any], dict[str, Any]]]] = [
        (FamilyMember, fc.related_person),
        (Condition, fc.condition),
        (Medication, fc.medication_statement),
        (Allergy, fc.allergy),
        (Encounter, fc.encounter),
    ]
    resources = [fc.patient(patient)]
    for model, build in simple:
        resources += [build(row) for row in _live(session, model, pid)]
    resources += observation_resources(
        _live(session, Observation, pid), fc.observation, derived_id, fc.ref(pid), fc.instant
    )
    resources += _screeners(session, pid)
    resources += _plans(session, pid)
    resources += _team(session, pid)
    resources += [fp.task(f) for f in _live(session, FollowUp, pid, col(FollowUp.due_at))]
    resources += [
        fp.appointment(a) for a in _live(session, Appointment, pid, col(Appointment.starts_at))
    ]
    resources += [fp.service_request(r) for r in _live(session, Referral, pid)]
    return resources


def patient_bundle(session: Session, patient: Patient) -> dict[str, Any]:
    """The Bundle (type collection) holding the patient's resources."""
    entries = [
        {"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
        for r in patient_resources(session, patient)
    ]
    return {
        "resourceType": "Bundle",
        "id": new_id(),
        "type": "collection",
        "timestamp": utcnow().isoformat(),
        "entry": entries,
    }
