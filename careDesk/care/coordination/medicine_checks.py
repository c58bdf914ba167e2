"""Medicines that overlap: two active medicines sharing an ingredient from different
prescribers, and two instructions (two medicines, or the plan and the medicine list) giving
different doses of one ingredient. Every ingredient of a combination product counts, salts and
release forms count as their base ingredient, and doses compare in normalised units
(``careDesk.care.medicines``), so equal doses written differently never conflict."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from careDesk.care.coordination.findings import CoordinationWarning, Source
from careDesk.care.medicines import (
    describe,
    ingredient_doses,
    parse_dose,
    per_dose,
    product_components,
    same_amount,
)
from careDesk.model.clinical import Medication
from careDesk.model.plan import Activity

if TYPE_CHECKING:
    from careDesk.care.medicine_units import Amount

Doses = dict[str, "Amount | None"]


def med_label(med: Medication) -> str:
    """How the medicine list shows a medicine: name, dose, prescriber."""
    dose = f" {med.dose}" if med.dose else ""
    who = f" (prescribed by {med.prescriber})" if med.prescriber else ""
    return f"{med.name}{dose}{who}"


def _differences(a: Doses, b: Doses) -> list[str]:
    """ "lisinopril (10 mg against 20 mg)" for each shared ingredient whose doses differ."""
    out: list[str] = []
    for ingredient in (i for i in a if i in b):
        left, right = a[ingredient], b[ingredient]
        if left is not None and right is not None and same_amount(left, right) is False:
            out.append(f"{ingredient} ({describe(left)} against {describe(right)})")
    return out


def _prescribers_differ(a: Medication, b: Medication) -> bool:
    pa, pb = (a.prescriber or "").strip().lower(), (b.prescriber or "").strip().lower()
    return bool(pa and pb and pa != pb)


def medicine_pairs(meds: list[Medication]) -> list[CoordinationWarning]:
    """Pairs of active medicines with an ingredient in common."""
    doses = {m.id: ingredient_doses(m) for m in meds}
    out: list[CoordinationWarning] = []
    for a, b in combinations(meds, 2):
        shared = [i for i in doses[a.id] if i in doses[b.id]]
        if not shared:
            continue
        first = Source("medication", a.id, med_label(a))
        second = Source("medication", b.id, med_label(b))
        if _prescribers_differ(a, b):
            out.append(
                CoordinationWarning(
                    "same_ingredient",
                    f"{first.label} and {second.label} both contain {', '.join(shared)}, "
                    "from different prescribers.",
                    first,
                    second,
                )
            )
        differ = _differences(doses[a.id], doses[b.id])
        if differ:
            out.append(
                CoordinationWarning(
                    "dose_conflict",
                    f"Two active instructions give different doses of {', '.join(differ)}: "
                    f"{first.label} and {second.label}.",
                    first,
                    second,
                )
            )
    return out


def plan_doses(acts: list[Activity], meds: list[Medication]) -> list[CoordinationWarning]:
    """Medication activities whose written dose differs from the linked medicine's."""
    by_id = {m.id: m for m in meds}
    out: list[CoordinationWarning] = []
    for act in acts:
        med = by_id.get(act.medication_id or "")
        if act.kind != "medication" or med is None:
            continue
        written = parse_dose(f"{act.description} {act.patient_words or ''}")
        if written is None:
            continue
        parts = product_components(med)
        planned = {p.ingredient: per_dose(p, written, single=len(parts) == 1) for p in parts}
        differ = _differences(planned, ingredient_doses(med))
        if differ:
            out.append(
                CoordinationWarning(
                    "dose_conflict",
                    f'The plan says "{act.description}" but the medication list has '
                    f"{med_label(med)}: different doses of {', '.join(differ)}.",
                    Source("activity", act.id, act.description),
                    Source("medication", med.id, med_label(med)),
                )
            )
    return out
