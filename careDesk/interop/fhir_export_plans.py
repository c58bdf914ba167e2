"""careDesk care plans, goals, care team, follow-ups, appointments and referrals → FHIR R4."""

from __future__ import annotations

from typing import Any

from careDesk.interop.fhir_export_clinical import clean, day, extensions, instant, ref
from careDesk.interop.fhir_measures import goal_measure
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import Referral
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.team import CareTeamMember, Provider

ACTIVITY_STATUS = {"planned": "scheduled", "in_progress": "in-progress", "done": "completed",
                   "cancelled": "cancelled"}  # fmt: skip
GOAL_LIFECYCLE = {"active": "active", "achieved": "completed", "not_achieved": "completed",
                  "cancelled": "cancelled"}  # fmt: skip
GOAL_ACHIEVEMENT = {"achieved": "achieved", "not_achieved": "not-achieved", "active": "in-progress"}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
TASK_STATUS = {"open": "requested", "done": "completed", "cancelled": "cancelled"}
APPOINTMENT_STATUS = {"scheduled": "booked", "completed": "fulfilled", "missed": "noshow",
                      "cancelled": "cancelled"}  # fmt: skip
REFERRAL_STATUS = {"draft": "draft", "sent": "active", "accepted": "active", "seen": "active",
                   "report_received": "completed", "closed": "completed"}  # fmt: skip
URGENCY = {"routine": "routine", "soon": "asap", "urgent": "urgent"}


def care_plan(
    plan: CarePlan, problems: list[Problem], goals: list[Goal], activities: list[Activity]
) -> dict[str, Any]:
    """A CarePlan: problems as ``addresses`` (linked to their Condition when there is one)."""
    addresses = []
    for problem in problems:
        link = ref(problem.condition_id) if problem.condition_id else {}
        addresses.append({**link, "display": problem.description})
    acts = [
        {
            "detail": {
                **extensions(kind=a.kind),
                "status": ACTIVITY_STATUS.get(a.status, "scheduled"),
                "description": a.description,
            }
        }
        for a in activities
    ]
    return clean(
        {
            "resourceType": "CarePlan",
            "id": plan.id,
            **extensions(review_date=day(plan.review_date)),
            "language": plan.language,
            "status": plan.status if plan.status in ("draft", "active", "completed") else "active",
            "intent": "plan",
            "title": plan.title,
            "subject": ref(plan.patient_id),
            "addresses": addresses,
            "goal": [ref(g.id) for g in goals],
            "activity": acts,
        }
    )


def goal(g: Goal, problem_index: int | None) -> dict[str, Any]:
    """A Goal; ``problem_index`` tells which of the plan's problems it belongs to."""
    target = {"measure": goal_measure(g.measure_loinc, g.measure), "detailString": g.target,
              "dueDate": day(g.due_date)}  # fmt: skip
    achievement = GOAL_ACHIEVEMENT.get(g.status)
    return clean(
        {
            "resourceType": "Goal",
            "id": g.id,
            **extensions(patient_words=g.patient_words, problem_index=problem_index),
            "lifecycleStatus": GOAL_LIFECYCLE.get(g.status, "active"),
            "achievementStatus": {"coding": [{"system": ACHIEVEMENT_SYSTEM, "code": achievement}]}
            if achievement
            else None,
            "description": {"text": g.description},
            "subject": ref(g.patient_id),
            "target": [target],
            "statusDate": day(g.achieved_on),
        }
    )


def practitioner(p: Provider) -> dict[str, Any]:
    """A provider on the care team as a Practitioner."""
    telecom = [{"system": "phone", "value": p.phone}] if p.phone else []
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    return clean(
        {"resourceType": "Practitioner", "id": p.id, "name": [{"text": p.name}], "telecom": telecom}
    )


def care_team(team_id: str, patient_id: str, members: list[CareTeamMember]) -> dict[str, Any]:
    """The patient's care team; members who are providers point to their Practitioner."""
    participants = []
    for m in members:
        if m.provider_id:
            member, contact = ref(m.provider_id, m.name), extensions(lead=m.lead)
        else:  # not a provider resource: the contact details travel with the participant
            member = {"display": m.name}
            contact = extensions(lead=m.lead, phone=m.phone, email=m.email)
        participants.append({**contact, "role": [{"text": m.role}], "member": member})
    return clean(
        {
            "resourceType": "CareTeam",
            "id": team_id,
            "status": "active",
            "subject": ref(patient_id),
            "participant": participants,
        }
    )


def task(f: FollowUp) -> dict[str, Any]:
    """A follow-up for staff as a Task (due time in ``restriction.period.end``)."""
    return clean(
        {
            "resourceType": "Task",
            "id": f.id,
            "status": TASK_STATUS.get(f.status, "requested"),
            "intent": "order",
            "priority": "urgent" if f.urgent else "routine",
            "code": {"text": f.kind},
            "description": f.title,
            "for": ref(f.patient_id),
            "authoredOn": instant(f.created_at),
            "restriction": {"period": {"end": instant(f.due_at)}},
        }
    )


def appointment(a: Appointment) -> dict[str, Any]:
    """An Appointment with the patient (and whom it is with) as participants."""
    participants: list[dict[str, Any]] = [{"actor": ref(a.patient_id), "status": "accepted"}]
    if a.with_whom:
        participants.append({"actor": {"display": a.with_whom}, "status": "accepted"})
    return clean(
        {
            "resourceType": "Appointment",
            "id": a.id,
            **extensions(
                place=a.place,
                address=a.address,
                telehealth_url=a.telehealth_url,
                transport_needed=a.transport_needed,
                transport_note=a.transport_note,
            ),
            "status": APPOINTMENT_STATUS.get(a.status, "booked"),
            "description": a.purpose,
            "start": instant(a.starts_at),
            "end": instant(a.ends_at),
            "participant": participants,
        }
    )


def service_request(r: Referral) -> dict[str, Any]:
    """A referral as a ServiceRequest (the closed-loop state kept as an extension)."""
    return clean(
        {
            "resourceType": "ServiceRequest",
            "id": r.id,
            **extensions(state=r.state),
            "status": REFERRAL_STATUS.get(r.state, "active"),
            "intent": "order",
            "priority": URGENCY.get(r.urgency, "routine"),
            "code": {"text": r.specialty} if r.specialty else None,
            "subject": ref(r.patient_id),
            "authoredOn": instant(r.sent_at),
            "performer": [{"display": r.to_name}],
            "reasonCode": [{"text": r.reason}],
        }
    )
