"""``desk.templates``: list, preview (tailored, rules shown), apply, and the clinic's own copies.

Shipped templates are read-only; a clinic copies one (or adds a new one) and edits the copy.
Every save is a new version row (the old ones stay readable) and an audit event.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.care.risk.charlson import category_of
from careDesk.care.templates.apply import Applied, apply_body
from careDesk.care.templates.loader import check_rule_keys, parse_body, shipped
from careDesk.care.templates.schema import TemplateBody
from careDesk.care.templates.tailoring import PatientFacts, RuleShown, Tailored, age_on, tailor
from careDesk.care.verb_kit import local_today, record_change
from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.handouts.record import find_patient
from careDesk.model.base import stable_id, utcnow
from careDesk.model.clinical import Condition
from careDesk.model.patient import Patient
from careDesk.model.template import PlanTemplate
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

KIND = "plan_template"


@dataclass(frozen=True)
class TemplateInfo:
    """A template as listed: id, title, conditions, languages, and whose it is."""

    id: str
    title: str
    category: str
    conditions: tuple[str, ...]
    languages: tuple[str, ...]
    shipped: bool
    version: int | None = None
    based_on: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``caredesk templates --json``."""
        data = asdict(self)
        data["conditions"], data["languages"] = list(self.conditions), list(self.languages)
        return data


@dataclass(frozen=True)
class TemplateVersion:
    """One saved version of a clinic template."""

    number: int
    title: str
    note: str | None
    saved_at: datetime
    saved_by: str | None


@dataclass(frozen=True)
class ApplyResult:
    """What applying a template added, and the tailoring rules with their verdicts."""

    applied: Applied
    rules: tuple[RuleShown, ...]


def _info(body: TemplateBody, *, row: PlanTemplate | None = None) -> TemplateInfo:
    return TemplateInfo(
        id=body.id,
        title=body.title,
        category=body.category,
        conditions=tuple(body.conditions.labels),
        languages=tuple(body.languages()),
        shipped=row is None,
        version=None if row is None else row.number,
        based_on=None if row is None else row.based_on,
    )


def _current(session: Session, key: str) -> PlanTemplate | None:
    return session.exec(
        select(PlanTemplate)
        .where(PlanTemplate.template_key == key, col(PlanTemplate.deleted_at).is_(None))
        .order_by(col(PlanTemplate.number).desc())
    ).first()


def _clinic_rows(session: Session) -> list[PlanTemplate]:
    rows = session.exec(
        select(PlanTemplate)
        .where(col(PlanTemplate.deleted_at).is_(None))
        .order_by(col(PlanTemplate.template_key), col(PlanTemplate.number).desc())
    ).all()
    latest: dict[str, PlanTemplate] = {}
    for row in rows:
        latest.setdefault(row.template_key, row)
    return [r for r in latest.values() if not r.retired]


def _body(row: PlanTemplate) -> TemplateBody:
    return parse_body(json.loads(row.body), where=f"template {row.template_key}")


# A past myocardial infarction or stroke/TIA is a coexisting illness (ADA 2024 §13, Table 13.1
# lists both) even once the record is resolved: Charlson 1987 counts their history too.
HISTORY_ILLNESSES = frozenset({"ami", "cevd"})


def patient_facts(session: Session, patient: Patient, day: Any) -> PatientFacts:
    """Age on ``day``, the codes of active conditions, and those that count as chronic."""
    rows = session.exec(
        select(Condition).where(
            Condition.patient_id == patient.id, col(Condition.deleted_at).is_(None)
        )
    ).all()
    active = [c for c in rows if c.status == "active"]
    past = [
        c
        for c in rows
        if c.status != "active" and category_of(c.icd10, c.snomed) in HISTORY_ILLNESSES
    ]
    return PatientFacts(
        age=age_on(patient.birth_date, day),
        codes=tuple(_code(c) for c in active),
        chronic_codes=tuple(_code(c) for c in (*(c for c in active if c.chronic), *past)),
    )


def _code(c: Condition) -> tuple[str, str]:
    return (c.icd10 or "").replace(".", "").upper(), c.snomed or ""


class Templates:
    """Care plan templates (``desk.templates``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- reading ---------------------------------------------------------------------------
    def catalog(self) -> list[TemplateInfo]:
        """Shipped templates, then the clinic's own (current versions, not retired)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = _clinic_rows(session)
        found = [_info(body) for body in shipped().values()]
        return found + sorted((_info(_body(r), row=r) for r in rows), key=lambda i: i.title)

    def get(self, template_id: str) -> TemplateBody:
        """A template's full content (the current version of a clinic template)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return self._load(session, template_id)

    def versions(self, template_id: str) -> list[TemplateVersion]:
        """Saved versions of a clinic template, newest first (shipped ones have none)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(PlanTemplate)
                .where(PlanTemplate.template_key == template_id)
                .where(col(PlanTemplate.deleted_at).is_(None))
                .order_by(col(PlanTemplate.number).desc())
            ).all()
        return [
            TemplateVersion(r.number, r.title, r.note, r.created_at, r.changed_by) for r in rows
        ]

    def preview(self, patient: str, template_id: str) -> Tailored:
        """The template tailored for this patient today, with every rule and whether it holds."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            found = find_patient(session, patient)
            body = self._load(session, template_id)
            return tailor(body, patient_facts(session, found, local_today(utcnow())))

    # ----- applying --------------------------------------------------------------------------
    def apply(self, patient: str, template_id: str) -> Outcome[ApplyResult]:
        """Tailor and apply a template to the patient's active plan; audited."""
        self.desk.require(Permission.EDIT)
        zone = self.desk.settings.get("clinic.timezone")  # read before the write opens
        with self.desk.writing() as tx:
            found = find_patient(tx.session, patient)
            tailored = tailor(
                self._load(tx.session, template_id),
                patient_facts(tx.session, found, local_today(tx.now)),
            )
            result = apply_body(
                tx,
                found,
                tailored.body,
                zone_name=found.timezone or zone,
                origin=f"template:{template_id}"[:60],
            )
            tx.audit(
                "plan.template.apply",
                entity="care_plan",
                entity_id=result.plan_id,
                patient_id=found.id,
                detail={
                    "template": template_id,
                    "rules": [r.key for r in tailored.rules if r.applies],
                    "added": [result.problems, result.goals, result.activities],
                    "follow_ups": len(result.follow_up_ids),
                },
            )
            return Outcome(ApplyResult(result, tailored.rules), tx.changes)

    # ----- the clinic's templates ------------------------------------------------------------
    def copy(
        self, template_id: str, new_id: str | None = None, title: str | None = None
    ) -> Outcome[TemplateInfo]:
        """Copy a template (shipped or clinic) as a new clinic template, version 1."""
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            source = self._load(tx.session, template_id)
            key = new_id or self._free_key(tx.session, f"{template_id}-clinic")
            data = source.model_dump(mode="json")
            data.update({"id": key, "title": title or f"{source.title} (clinic copy)"})
            return self._store(tx, data, action="template.copy", based_on=template_id, new=True)

    def add(self, body: dict[str, Any], note: str | None = None) -> Outcome[TemplateInfo]:
        """Add a new clinic template from its JSON content."""
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            return self._store(tx, body, action="template.add", note=note, new=True)

    def save(
        self, template_id: str, body: dict[str, Any], note: str | None = None
    ) -> Outcome[TemplateInfo]:
        """Save an edited clinic template as its next version (shipped ones are read-only)."""
        self.desk.require(Permission.EDIT)
        if template_id in shipped():
            raise ValidationFailed(
                "template", "shipped templates are read-only; copy it, then edit the copy"
            )
        if body.get("id", template_id) != template_id:
            raise ValidationFailed("id", "the id of a template cannot change; copy it instead")
        with self.desk.writing() as tx:
            row = _current(tx.session, template_id)
            if row is None or row.retired:
                raise NotFound("care plan template", template_id)
            data = {**body, "id": template_id}
            return self._store(
                tx, data, action="template.edit", note=note, based_on=row.based_on, new=False
            )

    def retire(self, template_id: str) -> Outcome[None]:
        """Take a clinic template off the list (its versions stay in the vault)."""
        self.desk.require(Permission.EDIT)
        if template_id in shipped():
            raise ValidationFailed("template", "shipped templates cannot be retired")
        with self.desk.writing() as tx:
            row = _current(tx.session, template_id)
            if row is None or row.retired:
                raise NotFound("care plan template", template_id)
            row.retired = True
            record_change(
                tx, "template.retire", row, kind=KIND, patient_id=None, fields=["retired"]
            )
            return Outcome(None, tx.changes)

    # ----- steps -----------------------------------------------------------------------------
    def _load(self, session: Session, template_id: str) -> TemplateBody:
        row = _current(session, template_id)
        if row is not None and not row.retired:
            return _body(row)
        if template_id in shipped():
            return shipped()[template_id]
        raise NotFound("care plan template", template_id)

    @staticmethod
    def _free_key(session: Session, base: str) -> str:
        key, n = base[:56], 2
        while key in shipped() or _current(session, key) is not None:
            key, n = f"{base[:53]}-{n}", n + 1
        return key

    def _store(
        self,
        tx: Tx,
        data: dict[str, Any],
        *,
        action: str,
        new: bool,
        based_on: str | None = None,
        note: str | None = None,
    ) -> Outcome[TemplateInfo]:
        body = parse_body(data, where="template")
        check_rule_keys(body, where="template")
        current = _current(tx.session, body.id)
        if new and (body.id in shipped() or current is not None):
            raise ValidationFailed(
                "id", f"a template {body.id!r} already exists; choose another id"
            )
        if note is not None and len(note) > 300:
            raise ValidationFailed("note", "at most 300 characters")
        number = 1 if current is None else current.number + 1
        row = PlanTemplate(
            id=stable_id("plan_template", body.id, str(number)),
            template_key=body.id,
            number=number,
            title=body.title,
            # Unset (None) fields left out: a workstation on an older release, whose template
            # schema refuses unknown keys, still reads a template that uses no newer field.
            body=body.model_dump_json(exclude_none=True),
            based_on=based_on,
            note=note,
        )
        tx.add(row, kind=KIND)
        record_change(tx, action, row, kind=KIND, patient_id=None, fields=sorted(data), touch=False)
        return Outcome(_info(body, row=row), tx.changes)
