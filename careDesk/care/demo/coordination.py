"""Coordination records: care team, follow-ups, appointments, calls and notes with time spent,
referrals through their closed-loop states, resource referrals, and program transitions."""

from __future__ import annotations

from datetime import datetime, timedelta

from careDesk.care.demo.context import Draft, Person
from careDesk.care.referral_rules import default_expected_by
from careDesk.care.risk.weights import hyperpolypharmacy_at
from careDesk.model.referral import Referral, ResourceReferral
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.team import CareTeamMember
from careDesk.model.timeline import TimeEntry, TimelineEntry, Transition

REFERRAL_STEPS = ("sent", "accepted", "seen", "report_received", "closed")


def _member(
    draft: Draft, person: Person, role: str, *, lead: bool = False, user: bool = False
) -> None:
    draft.out.add(
        CareTeamMember,
        id=draft.new_id(),
        patient_id=draft.id,
        provider_id=None if user else person.id,
        user_id=person.id if user else None,
        name=person.name,
        role=role,
        phone=person.phone,
        email=person.email,
        lead=lead,
    )


def care_team(draft: Draft) -> None:
    """Queue the coordinator (lead), primary care, specialists, and a pharmacist if needed."""
    if draft.coordinator and draft.engaged:
        _member(draft, draft.coordinator, "Care coordinator", lead=True, user=True)
    if draft.pcp:
        _member(draft, draft.pcp, "Primary care")
    specialties = {s.specialty for s in draft.conditions if s.specialty}
    for specialty in sorted(specialties)[:3]:
        people = draft.clinic.providers.get(specialty, [])
        known = [p for p in draft.specialists if p in people]
        if people:
            _member(draft, known[0] if known else draft.pick(people), specialty)
    pharmacists = draft.clinic.providers.get("Pharmacist", [])
    if len(draft.medications) >= hyperpolypharmacy_at() and pharmacists:  # Masnoon 2017
        _member(draft, pharmacists[0], "Pharmacist")


def _due(draft: Draft, low: float, high: float) -> datetime:
    day = draft.clinic.day(int(draft.rng.uniform(low, high)))
    return draft.clinic.at(day, 9 + int(draft.rng.random() * 8), draft.pick((0, 15, 30, 45)))


def follow_ups(draft: Draft) -> None:
    """Queue open follow-ups spread around today (some overdue) and done ones in the past."""
    clinic = draft.clinic
    titles = clinic.catalog.clinic["follow_up_titles"]
    assignee = draft.coordinator.id if draft.coordinator else None
    if draft.status == "candidate":
        if draft.chance(0.35):
            _follow_up(
                draft,
                "call",
                "Outreach call: invite to the care program",
                _due(draft, -14, 21),
                assignee,
            )
        return
    finished = draft.status in ("discharged", "transitioned")
    for _ in range(draft.count(2.0, 5)):
        kind = draft.pick(("call", "call", "call", "visit", "lab_check", "medication_review"))
        when = _due(draft, -90, -1)
        _follow_up(draft, kind, draft.pick(titles[kind]), when, assignee, done=True)
    if finished:
        return
    for _ in range(1 + draft.count(1.0, 3)):
        kind = draft.pick(("call", "call", "call", "visit", "lab_check", "medication_review"))
        _follow_up(draft, kind, draft.pick(titles[kind]), _due(draft, -21, 30), assignee)
    if draft.chance(0.3):
        rule = "FREQ=WEEKLY;BYDAY=" + draft.pick(("MO", "TU", "WE", "TH", "FR"))
        _follow_up(draft, "call", "Weekly check-in call", _due(draft, 0, 7), assignee, rule=rule)


def _follow_up(
    draft: Draft,
    kind: str,
    title: str,
    due: datetime,
    assignee: str | None,
    *,
    done: bool = False,
    rule: str | None = None,
) -> None:
    draft.out.add(
        FollowUp,
        id=draft.new_id(),
        patient_id=draft.id,
        kind=kind,
        title=title,
        due_at=due,
        timezone=draft.clinic.catalog.clinic["timezone"],
        recurrence=rule,
        assignee_id=assignee,
        status="done" if done else "open",
        completed_at=due + timedelta(hours=1) if done else None,
        result="Done" if done else None,
        origin="demo",
    )


def appointments(draft: Draft) -> None:
    """Queue past visits and upcoming ones in the coming days (telehealth, transport needs)."""
    if draft.status == "candidate" and not draft.chance(0.3):
        return
    clinic = draft.clinic
    purposes = clinic.catalog.clinic["appointment_purposes"]
    for _ in range(draft.count(1.0, 3)):
        _appointment(draft, _due(draft, -120, -1), draft.pick(purposes), past=True)
    if draft.status in ("discharged", "transitioned"):
        return
    if draft.chance(0.45):
        _appointment(draft, _due(draft, 1, 11), draft.pick(purposes))
    if draft.chance(0.3):
        _appointment(draft, _due(draft, 11, 60), draft.pick(purposes))


def _appointment(draft: Draft, starts: datetime, purpose: str, *, past: bool = False) -> None:
    who = draft.pick(draft.specialists) if draft.specialists and draft.chance(0.4) else draft.pcp
    telehealth = draft.chance(0.25)
    transport = not telehealth and ("transportation" in draft.social_needs or draft.chance(0.1))
    record_id = draft.new_id()
    draft.out.add(
        Appointment,
        id=record_id,
        patient_id=draft.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        with_whom=who.name if who else None,
        purpose=purpose,
        place="Telehealth (video)" if telehealth else draft.clinic.clinic_org.name,
        telehealth_url=f"https://telehealth.example.org/v/{record_id[-12:]}"
        if telehealth
        else None,
        transport_needed=transport,
        transport_note="Ride booked with RideWell" if transport and draft.chance(0.5) else None,
        status=draft.pick(("completed", "completed", "completed", "missed"))
        if past
        else "scheduled",
    )


def timeline(draft: Draft) -> None:
    """Queue calls, notes and messages, each with care-management minutes (CPT 99490 etc.)."""
    clinic = draft.clinic
    if draft.coordinator is None:
        return
    mean = {"candidate": 0.6, "enrolled": 2.5, "active": 5.0}.get(draft.status, 3.0)
    outcomes = clinic.catalog.clinic["call_outcomes"]
    for _ in range(draft.count(mean, 14)):
        at = clinic.now - timedelta(days=draft.rng.random() * 75, hours=draft.rng.random() * 6)
        kind = draft.pick(("call", "call", "note", "message"))
        minutes = draft.pick((5, 10, 10, 15, 15, 20, 25, 30, 45))
        entry_id = draft.new_id()
        draft.out.add(
            TimelineEntry,
            id=entry_id,
            patient_id=draft.id,
            kind=kind,
            at=at,
            author_id=draft.coordinator.id,
            summary=draft.pick(clinic.catalog.clinic["note_summaries"])
            if kind != "call"
            else "Phone call",
            channel={"call": "phone", "message": "sms"}.get(kind),
            direction="out" if kind != "note" else None,
            outcome=draft.pick(outcomes) if kind == "call" else None,
            minutes=minutes,
        )
        if draft.engaged:
            draft.out.add(
                TimeEntry,
                id=draft.new_id(),
                patient_id=draft.id,
                user_id=draft.coordinator.id,
                on_date=at.astimezone(clinic.tz).date(),
                minutes=minutes,
                activity=draft.pick(clinic.catalog.clinic["time_activities"]),
                timeline_id=entry_id,
            )


def referrals(draft: Draft) -> None:
    """Queue specialist referrals in every closed-loop state, some stuck waiting."""
    if not draft.open_case or not draft.chance(0.35):
        return
    clinic = draft.clinic
    target: Person | None = draft.pick(draft.specialists) if draft.specialists else None
    if target is None:
        target = draft.pick(clinic.providers.get("Behavioral health") or [draft.pcp])
    if target is None:
        return
    sent = clinic.now - timedelta(days=5 + draft.rng.random() * 120)
    steps = 1 + int(draft.rng.random() * len(REFERRAL_STEPS))
    times = {
        step: sent + timedelta(days=index * (3 + draft.rng.random() * 10))
        for index, step in enumerate(REFERRAL_STEPS[:steps])
    }
    times = {k: v for k, v in times.items() if v <= clinic.now}
    state = list(times)[-1]
    urgency = draft.pick(("routine", "routine", "soon", "urgent"))
    # Expected back by the clinic's default wait for its urgency, so some are late.
    expected = default_expected_by(sent.astimezone(clinic.tz).date(), urgency)
    draft.out.add(
        Referral,
        id=draft.new_id(),
        patient_id=draft.id,
        to_name=target.name,
        provider_id=target.id,
        organization_id=target.organization_id,
        specialty=next((s for s, ps in clinic.providers.items() if target in ps), None),
        reason="Evaluation and co-management",
        urgency=urgency,
        expected_by=expected,
        state=state,
        sent_at=times.get("sent"),
        accepted_at=times.get("accepted"),
        seen_at=times.get("seen"),
        report_at=times.get("report_received"),
        closed_at=times.get("closed"),
        closed_reason="Report reviewed with the patient" if "closed" in times else None,
        ending="completed" if "closed" in times else None,
    )


def resource_referrals(draft: Draft) -> None:
    """Queue community-resource referrals for positive social-needs domains."""
    if not draft.engaged:
        return
    for need in draft.social_needs:
        options = draft.clinic.resources.get(need, [])
        if not options or not draft.chance(0.75):
            continue
        state = draft.pick(("referred", "connected", "connected", "closed", "declined"))
        draft.out.add(
            ResourceReferral,
            id=draft.new_id(),
            patient_id=draft.id,
            resource_id=draft.pick(options).id,
            need=need,
            state=state,
            referred_on=draft.clinic.day(-int(draft.rng.random() * 150)),
            outcome="Connected; using the service" if state == "connected" else None,
        )


def transition(draft: Draft) -> None:
    """Queue the discharge or transition record of patients who left the program."""
    if draft.status not in ("discharged", "transitioned"):
        return
    reasons = [
        r for r in draft.clinic.catalog.clinic["transition_reasons"] if r["outcome"] == draft.status
    ]
    pool = [r for r in reasons for _ in range(r["weight"])]
    chosen = draft.pick(pool)
    draft.out.add(
        Transition,
        id=draft.new_id(),
        patient_id=draft.id,
        on_date=draft.clinic.day(-int(draft.rng.random() * 50)),
        outcome=draft.status,
        reason=chosen["reason"],
        summary=chosen["summary"],
        to_provider="Health plan case management" if chosen["reason"] == "other_program" else None,
    )
