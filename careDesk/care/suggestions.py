"""Suggestions after an assessment: plan items proposed with their reason, never added unasked.

Each rule looks at one finding and proposes a fragment of a shipped template:

- a positive screen of an instrument whose data file names a suggestion (the instrument
  registry, ``careDesk/care/instruments/``): PHQ-9 total ≥ 10, moderate or worse (Kroenke
  2001) → a behavioral health referral and a re-screen in 4 weeks (APA 2019 depression
  guideline; USPSTF 2023); PHQ-2 total ≥ 3, positive (Kroenke K, Spitzer RL, Williams JB. Med
  Care 2003;41:1284-92) → complete the full PHQ-9, unless one was taken since; GAD-7 total ≥ 10
  (Spitzer RL, Kroenke K, Williams JB, Löwe B. Arch Intern Med 2006;166:1092-7) → a behavioral
  health referral and a re-screen; neither referral while the plan holds one not yet done or
  cancelled;
- a positive social-needs domain (AHC-HRSN, CMS AHC-HRSN screening tool, 2017;
  docs/clinical-sources.md#ahc-hrsn-social-needs) → a community-resource referral activity bound
  to a resource of that category in the directory;
- LACE ≥ 10 after a discharge (van Walraven 2010, CMAJ 182:551: ≥ 10 high risk) → the
  post-discharge transition template (AHRQ Project RED; Coleman 2006);
- ≥ 10 active medications ("hyperpolypharmacy", Masnoon N et al., BMC Geriatr 2017;17:230; the
  threshold is ``polypharmacy.hyper_at`` in ``risk_weights.json``) → a pharmacist medication
  review, which uses the AGS Beers Criteria 2023 to choose what to stop or change.

A person accepts (as proposed or edited) or dismisses with a reason; either answer is
remembered for that finding (a screener, an admission, a medicine list), so the suggestion does
not come back for the same finding but does for a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.care.instruments import FollowOn, Instrument, all_instruments, instrument
from careDesk.care.resource_match import is_crisis_line
from careDesk.care.risk.gather import facts
from careDesk.care.risk.weights import default_weights, hyperpolypharmacy_at
from careDesk.care.templates.apply import Applied, apply_body
from careDesk.care.templates.loader import parse_body, shipped
from careDesk.care.templates.schema import TemplateBody
from careDesk.care.verb_kit import require_patient
from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import aware, utcnow
from careDesk.model.clinical import Encounter, Medication
from careDesk.model.patient import Patient
from careDesk.model.plan import Activity
from careDesk.model.referral import CommunityResource
from careDesk.model.template import SuggestionDecision
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

LACE_HIGH = 10  # van Walraven 2010: ≥ 10 high risk of readmission or death in 30 days
DISCHARGE_WINDOW = timedelta(days=30)  # "after a discharge": the transition's first 30 days


@dataclass(frozen=True)
class Suggestion:
    """A proposed set of plan items, why it is proposed, and the finding it answers."""

    id: str
    rule: str
    finding: str
    title: str
    reason: str
    proposal: TemplateBody


@dataclass(frozen=True)
class Decision:
    """A remembered answer to a suggestion."""

    rule: str
    finding: str
    decision: str
    reason: str | None
    decided_at: datetime


def fragment(
    template_id: str, activities: set[str], follow_ups: set[str], key: str
) -> TemplateBody:
    """Part of a shipped template: the goals holding ``activities``, and those follow-ups."""
    body = shipped()[template_id]
    problems = []
    for problem in body.problems:
        goals = [
            g.model_copy(
                update={"activities": tuple(a for a in g.activities if a.description in activities)}
            )
            for g in problem.goals
            if any(a.description in activities for a in g.activities)
        ]
        if goals:
            problems.append(problem.model_copy(update={"goals": tuple(goals)}))
    return body.model_copy(
        update={
            "id": key,
            "problems": tuple(problems),
            "education": (),
            "warning_signs": (),
            "tailoring": (),
            "follow_ups": tuple(f for f in body.follow_ups if f.title in follow_ups),
        }
    )


def edit_proposal(
    proposal: TemplateBody,
    *,
    description: str | None = None,
    owner: str | None = None,
    due_days: int | None = None,
    follow_up_days: int | None = None,
) -> TemplateBody:
    """The proposal with its first activity (and first follow-up's timing) changed."""
    data = proposal.model_dump(mode="json")
    first = data["problems"][0]["goals"][0]["activities"]
    if first:
        for name, value in (("description", description), ("owner", owner), ("due_days", due_days)):
            if value is not None:
                first[0][name] = value
    if follow_up_days is not None and data["follow_ups"]:
        data["follow_ups"][0]["start_days"] = follow_up_days
    return parse_body(data, where="suggestion")


def _latest(session: Session, pid: str, inst: Instrument) -> ScreenerResult | None:
    """The latest screen of ``inst``; for scored ones the latest with a total (answers
    imported without one, such as a PHQ-9 item 9 alone, do not hide the last score)."""
    query = (
        select(ScreenerResult)
        .where(ScreenerResult.patient_id == pid, ScreenerResult.instrument == inst.id)
        .where(col(ScreenerResult.deleted_at).is_(None))
    )
    if inst.has_total:
        query = query.where(col(ScreenerResult.total).is_not(None))
    return session.exec(
        query.order_by(col(ScreenerResult.taken_at).desc(), col(ScreenerResult.id).desc())
    ).first()


def _planned(session: Session, pid: str, activities: tuple[str, ...]) -> bool:
    """One of ``activities`` already in the plan, not yet done or cancelled."""
    return (
        session.exec(
            select(Activity.id).where(
                Activity.patient_id == pid,
                col(Activity.description).in_(activities),
                col(Activity.status).not_in(("done", "cancelled")),
                col(Activity.deleted_at).is_(None),
            )
        ).first()
        is not None
    )


def _answered(session: Session, pid: str, rule: FollowOn, row: ScreenerResult) -> bool:
    """Whether the plan or a later screen already answers this positive screen."""
    if rule.unless_planned and _planned(session, pid, rule.activities):
        return True
    if rule.unless_taken_since is None:
        return False
    later = _latest(session, pid, instrument(rule.unless_taken_since))
    return later is not None and later.taken_at >= row.taken_at


def _screens(session: Session, pid: str, now: datetime) -> list[Suggestion]:
    """A positive screen of an instrument whose data file names a suggestion (PHQ-9 ≥ 10,
    Kroenke 2001; PHQ-2 ≥ 3, Kroenke 2003; GAD-7 ≥ 10, Spitzer 2006: the cut-offs are the
    registry's) proposes that part of its template, unless already answered."""
    found = []
    for inst in all_instruments():
        rule = inst.follow_on
        row = _latest(session, pid, inst) if rule and inst.has_total else None
        if rule is None or row is None or row.total is None or not row.positive:
            continue
        if _answered(session, pid, rule, row):
            continue
        patient = session.get(Patient, pid)
        reason = rule.reason.format(
            short_name=inst.short_name,
            total=row.total,
            band=row.band or "positive",
            date=f"{row.taken_at:%Y-%m-%d}",
            cut_off=inst.cut_off(patient.sex if patient else None).at_least,
        )
        key = f"suggest-{rule.rule.split('_')[0]}"  # suggest-phq9, suggest-gad7
        proposal = fragment(rule.template, set(rule.activities), set(rule.follow_ups), key)
        found.append(_make(rule.rule, row.id, rule.title, reason, proposal))
    return found


def _resource(session: Session, category: str) -> CommunityResource | None:
    """The directory's resource for ``category``: a crisis line only when it is the only one
    (the resource picker's rule, ``careDesk/care/resource_match.py``)."""
    rows = session.exec(
        select(CommunityResource)
        .where(CommunityResource.category == category, col(CommunityResource.deleted_at).is_(None))
        .order_by(col(CommunityResource.name))
    ).all()
    return next((r for r in rows if not is_crisis_line(r)), rows[0] if rows else None)


def _domains(session: Session, pid: str, now: datetime) -> list[Suggestion]:
    """Each positive social-needs domain (AHC-HRSN, CMS 2017) whose data names a template
    proposes its community-resource referral, bound to a resource of that category."""
    found = []
    for inst in all_instruments():
        row = None if inst.has_total else _latest(session, pid, inst)
        positive = set(json.loads(row.positive_domains or "[]")) if row else set()
        for domain in inst.domains:
            if row is None or domain.key not in positive or not (domain.template and domain.rule):
                continue
            template = shipped()[domain.template]
            activity = template.problems[0].goals[0].activities[0]
            proposal = fragment(
                template.id,
                {activity.description},
                {template.follow_ups[0].title},
                f"suggest-{domain.key}",
            )
            resource = _resource(session, domain.key)
            where = f": {resource.name}" if resource else " (none in the directory yet: add one)"
            reason = (
                f"{inst.short_name} screen on {row.taken_at:%Y-%m-%d} is positive for "
                f"{domain.key} ({domain.label})."
            )
            title = f"Refer to a {domain.key} resource{where}"
            found.append(_make(domain.rule, row.id, title, reason, proposal))
    return found


def _lace(session: Session, pid: str, now: datetime) -> list[Suggestion]:
    # The latest discharge, as the risk engine scores LACE (risk/gather.py).
    admission = session.exec(
        select(Encounter)
        .where(Encounter.patient_id == pid, Encounter.kind == "admission")
        .where(col(Encounter.deleted_at).is_(None), col(Encounter.end).is_not(None))
        .where(col(Encounter.end) <= now)
        .order_by(col(Encounter.end).desc(), col(Encounter.start).desc())
    ).first()
    if admission is None or admission.end is None:
        return []
    ended = aware(admission.end)
    if not now - DISCHARGE_WINDOW <= ended <= now:
        return []
    found, _gone = facts(session, now, default_weights(), [pid])
    score = found[pid].lace if pid in found else None
    if score is None or score.total < LACE_HIGH:
        return []
    reason = (
        f"LACE {score.total} for the stay ending {ended:%Y-%m-%d}: {LACE_HIGH} or more is high "
        "risk "
        "of readmission within 30 days (van Walraven 2010)."
    )
    body = shipped()["transition_30d"]
    return [
        _make("lace_transition", admission.id, f"Apply the template: {body.title}", reason, body)
    ]


def _medicines(session: Session, pid: str, now: datetime) -> list[Suggestion]:
    ids = sorted(
        session.exec(
            select(Medication.id).where(
                Medication.patient_id == pid,
                Medication.status == "active",
                col(Medication.deleted_at).is_(None),
            )
        ).all()
    )
    hyper = hyperpolypharmacy_at()
    if len(ids) < hyper:
        return []
    finding = "meds-" + hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
    proposal = fragment(
        "older_adults_falls_meds",
        {"Pharmacist medication review (AGS Beers Criteria)"},
        {"Pharmacist medication review"},
        "suggest-meds",
    )
    reason = (
        f"{len(ids)} active medicines: {hyper} or more is hyperpolypharmacy (Masnoon 2017), "
        "which calls for a pharmacist review."
    )
    return [_make("polypharmacy", finding, "Pharmacist medication review", reason, proposal)]


RULES = (_domains, _screens, _lace, _medicines)


def _make(rule: str, finding: str, title: str, reason: str, proposal: TemplateBody) -> Suggestion:
    return Suggestion(f"{rule}:{finding}", rule, finding, title, reason, proposal)


def _decided(session: Session, pid: str) -> set[tuple[str, str]]:
    rows = session.exec(
        select(SuggestionDecision.rule, SuggestionDecision.finding).where(
            SuggestionDecision.patient_id == pid, col(SuggestionDecision.deleted_at).is_(None)
        )
    ).all()
    return {(r, f) for r, f in rows}


def open_suggestions(session: Session, pid: str, now: datetime) -> list[Suggestion]:
    """Every rule's suggestions for the patient, less those already answered."""
    decided = _decided(session, pid)
    found = [s for rule in RULES for s in rule(session, pid, now)]
    return [s for s in found if (s.rule, s.finding) not in decided]


class Suggestions:
    """Suggested plan items (``desk.suggestions``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def for_patient(self, patient_id: str, now: datetime | None = None) -> list[Suggestion]:
        """What the assessment findings suggest for the plan now (nothing is written)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            require_patient(session, patient_id)
            return open_suggestions(session, patient_id, now or utcnow())

    def decisions(self, patient_id: str) -> list[Decision]:
        """Remembered answers, newest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(SuggestionDecision)
                .where(SuggestionDecision.patient_id == patient_id)
                .where(col(SuggestionDecision.deleted_at).is_(None))
                .order_by(col(SuggestionDecision.created_at).desc())
            ).all()
        return [Decision(r.rule, r.finding, r.decision, r.reason, r.created_at) for r in rows]

    def accept(
        self,
        patient_id: str,
        suggestion_id: str,
        proposal: TemplateBody | dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> Outcome[Applied]:
        """Put the suggestion (or the person's edited version of it) into the plan."""
        self.desk.require(Permission.EDIT)
        edited = proposal is not None
        if isinstance(proposal, dict):
            proposal = parse_body(proposal, where="suggestion")
        zone = self.desk.settings.get("clinic.timezone")
        with self.desk.writing() as tx:
            patient = require_patient(tx.session, patient_id)
            found = self._open(tx, patient_id, suggestion_id, now)
            body = proposal if proposal is not None else found.proposal
            applied = apply_body(
                tx,
                patient,
                body,
                zone_name=patient.timezone or zone,
                origin=f"suggestion:{found.rule}",
            )
            self._decide(
                tx, patient_id, found, "accepted", None, {"rule": found.rule, "edited": edited}
            )
            return Outcome(applied, tx.changes)

    def dismiss(
        self, patient_id: str, suggestion_id: str, reason: str, now: datetime | None = None
    ) -> Outcome[None]:
        """Set a suggestion aside with a reason; it does not come back for the same finding."""
        self.desk.require(Permission.EDIT)
        text = (reason or "").strip()
        if not 1 <= len(text) <= 300:
            raise ValidationFailed("reason", "say in up to 300 characters why this does not fit")
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            found = self._open(tx, patient_id, suggestion_id, now)
            self._decide(tx, patient_id, found, "dismissed", text, {"rule": found.rule})
            return Outcome(None, tx.changes)

    @staticmethod
    def _open(tx: Tx, patient_id: str, suggestion_id: str, now: datetime | None) -> Suggestion:
        for item in open_suggestions(tx.session, patient_id, now or tx.now):
            if item.id == suggestion_id:
                return item
        raise NotFound("open suggestion", suggestion_id)

    @staticmethod
    def _decide(
        tx: Tx,
        pid: str,
        found: Suggestion,
        decision: str,
        reason: str | None,
        detail: dict[str, Any],
    ) -> None:
        row = SuggestionDecision(
            patient_id=pid, rule=found.rule, finding=found.finding, decision=decision, reason=reason
        )
        tx.add(row, kind="suggestion_decision", patient_id=pid)
        tx.audit(
            f"suggestion.{'accept' if decision == 'accepted' else 'dismiss'}",
            entity="suggestion_decision",
            entity_id=row.id,
            patient_id=pid,
            detail=detail,
        )
