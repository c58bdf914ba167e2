"""Expected monitoring: a test a guideline calls for after a medicine is started or its dose
changed is not a duplicate (rules and sources in ``monitoring_rules.json``).

A start is a medicine's start date with no earlier prescription of the same ingredient still
running the day before; a dose change is a new prescription of that ingredient at another dose
(how FHIR records and Synthea write a titration), or a dose edited in careDesk (the
``medication.update`` audit event naming a dose field). A planned test falling inside a rule's
window after such an event is the monitoring test, unless the same test was already done inside
the window: a result taken on the day of the change or before is the baseline, and one taken
before the window opened is too early to show the new dose's effect.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from careDesk.care.coordination.tables import MonitoringRule, monitoring_rules
from careDesk.care.medicines import ingredient_doses, same_amount
from careDesk.model.base import aware
from careDesk.model.clinical import Medication
from careDesk.model.security import AuditEvent

DOSE_FIELDS = frozenset({"dose", "dose_amount", "dose_unit"})


@dataclass(frozen=True)
class Change:
    """A medicine started, or its dose changed, on a day."""

    ingredient: str
    kind: str  # start, dose_change
    on: date
    medication: Medication


@dataclass(frozen=True)
class Expected:
    """Why a planned test is the expected monitoring test."""

    rule: MonitoringRule
    change: Change


def dose_edits(session: Session, patient_id: str) -> dict[str, list[date]]:
    """The days each medicine's dose was edited in careDesk (from the audit trail, which
    records the names of the fields changed, never their values)."""
    rows = session.exec(
        select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.detail).where(
            AuditEvent.patient_id == patient_id,
            col(AuditEvent.action) == "medication.update",
        )
    )
    edits: dict[str, list[date]] = defaultdict(list)
    for entity_id, at, detail in rows:
        fields = json.loads(detail or "{}").get("fields") or []
        if DOSE_FIELDS.intersection(fields):
            edits[entity_id].append(aware(at).date())
    return edits


def _running_on(med: Medication, day: date) -> bool:
    """Whether ``med`` was being taken on ``day`` (a stop without a date is not known to)."""
    if med.start_date is None or med.start_date > day:
        return False
    if med.stop_date is not None:
        return med.stop_date >= day
    return med.status == "active"


def _start_or_change(med: Medication, ingredient: str, others: list[Medication]) -> str | None:
    assert med.start_date is not None
    before = [o for o in others if _running_on(o, med.start_date - timedelta(days=1))]
    if not before:
        return "start"
    dose = ingredient_doses(med).get(ingredient)
    for other in before:
        was = ingredient_doses(other).get(ingredient)
        if dose is None or was is None or not same_amount(dose, was):
            return "dose_change"
    return None  # the same dose prescribed again: a renewal, not a change


def changes(meds: Iterable[Medication], edits: dict[str, list[date]]) -> list[Change]:
    """Starts and dose changes of the active medicines any monitoring rule names."""
    watched = {drug for rule in monitoring_rules().rules for drug in rule.drugs}
    by_ingredient: dict[str, list[Medication]] = defaultdict(list)
    for med in meds:
        for ingredient in ingredient_doses(med):
            if ingredient in watched:
                by_ingredient[ingredient].append(med)
    found: list[Change] = []
    for ingredient, group in by_ingredient.items():
        for med in (m for m in group if m.status == "active"):
            others = [o for o in group if o.id != med.id]
            kind = _start_or_change(med, ingredient, others) if med.start_date else None
            if kind is not None and med.start_date is not None:
                found.append(Change(ingredient, kind, med.start_date, med))
            found += [Change(ingredient, "dose_change", d, med) for d in edits.get(med.id, [])]
    return found


def expected(loinc: str, planned: date, earlier: date, found: Iterable[Change]) -> Expected | None:
    """The rule making a test of ``loinc`` planned for ``planned`` the expected monitoring
    test, given the same test's earlier result (or plan) on ``earlier``; None if none does."""
    for rule in monitoring_rules().rules:
        if loinc not in rule.tests:
            continue
        for change in found:
            if change.ingredient not in rule.drugs or change.kind not in rule.after:
                continue
            after = (planned - change.on).days
            opened = change.on + timedelta(days=rule.from_days)
            baseline = earlier <= change.on or earlier < opened
            if rule.from_days <= after <= rule.to_days and baseline:
                return Expected(rule, change)
    return None
