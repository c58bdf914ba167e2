"""Minutes for billing per patient, calendar month and category (``desk.billing``).

One :class:`BillingRow` per patient-month-category with logged minutes: whose minutes they are
(clinical staff, physician/QHP, or not counted; :mod:`careDesk.care.ccm` says how roles are
read), the CPT codes they support, the next threshold and what is missing. CCM and complex CCM
minutes make one pool whose codes come from :mod:`careDesk.care.ccm_rules` (consent, chronic
conditions, complexity); the other categories follow :mod:`careDesk.care.billing_codes`.
Months are the workstation's local calendar months, as time entries are.

Billing from these rows is the clinic's decision: they say what the logged minutes support,
not that the service's other requirements were met (the notes and ``missing`` say which
careDesk checked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from careDesk.care import billing_codes as bc
from careDesk.care.billing_codes import BillingCategory, NextStep, Units
from careDesk.care.billing_csv import billing_csv
from careDesk.care.ccm import _SIDE, _chunks, ccm_months, month_key
from careDesk.care.ccm_rules import STAFF_EACH, STAFF_FIRST, STAFF_MAX_ADDONS, CcmMonth
from careDesk.care.verb_kit import local_today
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.model.security import User
from careDesk.model.timeline import TimeEntry
from careDesk.paths import write_private_atomic
from careDesk.security.roles import Permission, Role

if TYPE_CHECKING:
    from careDesk.desk import Desk

COMPLEX_FIRST, COMPLEX_EACH = 60, 30  # 99487 first 60 minutes, 99489 each further 30 (CPT)


@dataclass(frozen=True)
class BillingRow:
    """One patient's minutes in one category and calendar month, and what they support."""

    patient_id: str
    month: str  # YYYY-MM
    category: str
    staff_minutes: int
    practitioner_minutes: int
    uncounted_minutes: int
    codes: tuple[Units, ...]
    next_step: NextStep | None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()  # the parts of ``missing`` that no more minutes would fix
    name: str = ""
    mrn: str = ""

    @property
    def minutes(self) -> int:
        return self.staff_minutes + self.practitioner_minutes + self.uncounted_minutes

    @property
    def near(self) -> bool:
        """A few minutes short of the next code (:data:`billing_codes.NEAR_MINUTES`)."""
        return self.next_step is not None and self.next_step.near

    def code_text(self) -> str:
        return ", ".join(u.text() for u in self.codes)

    def progress(self, when: str = "") -> str:
        """ "CCM: 15 of 20 min (99490)" ("CCM this month: …" with ``when``), as the chart
        header shows it."""
        short = bc.category(self.category).short + (f" {when}" if when else "")
        if self.category == BillingCategory.NONE:
            return f"{short}: {self.minutes} min"
        if self.next_step is None:
            done = f"supports {self.code_text()}" if self.codes else "no code by minutes"
            return f"{short}: {self.minutes} min, {done}"
        text = f"{short}: {self.next_step.words()}"
        if self.uncounted_minutes:  # said, so logged minutes never silently vanish
            text += f" ({self.uncounted_minutes} min by non-clinical accounts not counted)"
        return text + (f"; not billable: {self.blocked[0]}" if self.blocked else "")

    def as_json(self) -> dict[str, Any]:
        step = self.next_step
        return {
            "month": self.month,
            "patient_id": self.patient_id,
            "mrn": self.mrn,
            "name": self.name,
            "category": self.category,
            "minutes": self.minutes,
            "clinical_staff_minutes": self.staff_minutes,
            "physician_qhp_minutes": self.practitioner_minutes,
            "uncounted_minutes": self.uncounted_minutes,
            "codes": [{"code": u.code, "units": u.units, "what": u.descriptor} for u in self.codes],
            "next_threshold": None if step is None else {"code": step.code, "minutes": step.at},
            "minutes_to_next": None if step is None else step.short,
            "near_threshold": self.near,
            "missing": list(self.missing),
            "notes": list(self.notes),
        }


@dataclass
class _Sides:
    staff: int = 0
    practitioner: int = 0
    uncounted: int = 0
    unknown: int = 0

    def add(self, role: str | None, minutes: int) -> None:
        if role is None:  # a person unknown on this workstation: clinical staff (ccm.py)
            self.staff += minutes
            self.unknown += minutes
            return
        side = _SIDE.get(Role(role), "uncounted") if role in set(Role) else "uncounted"
        if side == "staff":
            self.staff += minutes
        elif side == "practitioner":
            self.practitioner += minutes
        else:
            self.uncounted += minutes


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValidationFailed("month", "give a month from 1 to 12")
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def _months_back(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _sums(
    session: Session, first: date, last: date, patient_id: str | None
) -> dict[tuple[str, str, str], _Sides]:
    """(patient, month, category) → minutes by whose time they are."""
    roles = {uid: role for uid, role in session.exec(select(User.id, User.role))}
    month = func.substr(col(TimeEntry.on_date), 1, 7)
    query = (
        sa_select(
            col(TimeEntry.patient_id),
            month,
            col(TimeEntry.category),
            col(TimeEntry.user_id),
            func.sum(TimeEntry.minutes),
        )
        .join(Patient, col(Patient.id) == col(TimeEntry.patient_id))
        .where(col(TimeEntry.deleted_at).is_(None), col(Patient.deleted_at).is_(None))
        .where(col(TimeEntry.on_date) >= first, col(TimeEntry.on_date) <= last)
        .group_by(col(TimeEntry.patient_id), month, col(TimeEntry.category), col(TimeEntry.user_id))
    )
    if patient_id is not None:
        query = query.where(col(TimeEntry.patient_id) == patient_id)
    found: dict[tuple[str, str, str], _Sides] = defaultdict(_Sides)
    for pid, key, category, user_id, total in session.execute(query):
        found[(pid, str(key), category or "ccm")].add(roles.get(user_id), int(total or 0))
    return found


def _cocm_months(
    session: Session, ids: Sequence[str], first: date, last: date
) -> set[tuple[str, str]]:
    """(patient, month) pairs with CoCM minutes, from six months before ``first``."""
    month = func.substr(col(TimeEntry.on_date), 1, 7)
    found: set[tuple[str, str]] = set()
    for batch in _chunks(ids):
        rows = session.exec(
            select(TimeEntry.patient_id, month)
            .where(col(TimeEntry.deleted_at).is_(None), TimeEntry.category == BillingCategory.COCM)
            .where(col(TimeEntry.patient_id).in_(batch))
            .where(col(TimeEntry.on_date) >= _months_back(first, bc.COCM_BREAK_MONTHS))
            .where(col(TimeEntry.on_date) <= last)
            .group_by(col(TimeEntry.patient_id), month)
        )
        found.update((pid, str(key)) for pid, key in rows)
    return found


def _initial_cocm(pid: str, month: str, seen: set[tuple[str, str]]) -> bool:
    """No CoCM minutes in the six calendar months before ``month`` (CPT's episode break)."""
    start = date(int(month[:4]), int(month[5:7]), 1)
    return not any(
        (pid, month_key(_months_back(start, back))) in seen
        for back in range(1, bc.COCM_BREAK_MONTHS + 1)
    )


# The ``ccm_rules`` reasons that are about eligibility, not minutes (its ``_not_eligible``).
_CCM_BLOCKERS = ("no CCM consent", "needs ")


def _ccm_row(m: CcmMonth, complex_minutes: bool) -> BillingRow:
    """The CCM pool's row: codes and missing from ``ccm_rules``, and the next threshold."""
    f = m.facts
    found = {u.code for u in m.codes}
    total = f.staff_minutes + f.practitioner_minutes
    missing = list(m.missing)
    step: NextStep | None
    if "99487" in found or complex_minutes:
        step = bc.next_in_ladder(total, COMPLEX_FIRST, COMPLEX_EACH, ("99487", "99489"))
        if "99487" not in found and not (f.complex_decision_making and f.plan_revised):
            why = "complex CCM needs moderate or high decision making and a plan revised this month"
            if not any(w.startswith("complex CCM needs") for w in missing):
                missing.append(why)
    else:
        counted = f.staff_minutes if "99491" in found else total
        top = STAFF_FIRST + STAFF_MAX_ADDONS * STAFF_EACH
        step = (
            None
            if counted >= top
            else bc.next_in_ladder(counted, STAFF_FIRST, STAFF_EACH, ("99490", "99439"))
        )
    key = (
        BillingCategory.CCM_COMPLEX if "99487" in found or complex_minutes else BillingCategory.CCM
    )
    return BillingRow(
        patient_id=f.patient_id,
        month=f.month,
        category=key.value,
        staff_minutes=f.staff_minutes,
        practitioner_minutes=f.practitioner_minutes,
        uncounted_minutes=f.uncounted_minutes,
        codes=tuple(Units(u.code, u.units) for u in m.codes),
        next_step=step,
        missing=tuple(missing),
        notes=m.notes,
        blocked=tuple(w for w in m.missing if w.startswith(_CCM_BLOCKERS)),
    )


def _other_row(
    pid: str, month: str, category: str, s: _Sides, consent: bool, initial: bool
) -> BillingRow:
    """A PCM, BHI, CoCM, TCM or unbilled row (``billing_codes``)."""
    notes: list[str] = []
    if s.uncounted:
        notes.append(f"{s.uncounted} minutes by non-clinical accounts are not counted")
    if s.unknown:
        notes.append(f"{s.unknown} minutes by people not known here counted as clinical staff")
    minutes = s.staff + s.practitioner
    codes: list[Units] = []
    step: NextStep | None = None
    if category == BillingCategory.PCM:
        codes, step, more = bc.pcm(s.staff, s.practitioner)
        notes += more
    elif category == BillingCategory.BHI:
        codes, step = bc.bhi(minutes)
    elif category == BillingCategory.COCM:
        codes, step = bc.cocm(minutes, initial)
        notes.append("initial month (99492)" if initial else "subsequent month (99493)")
    elif category == BillingCategory.TCM:
        notes.append("TCM (99495/99496) is billed per 30 days after a discharge, not by minutes")
    missing: list[str] = []
    if category in (BillingCategory.PCM, BillingCategory.BHI, BillingCategory.COCM) and not consent:
        missing.append("no program consent on file for this month")
        codes = []
    return BillingRow(
        pid, month, category, s.staff, s.practitioner, s.uncounted, tuple(codes), step,
        tuple(missing), tuple(notes), tuple(missing),
    )  # fmt: skip


def _same_month_notes(rows: list[BillingRow]) -> list[BillingRow]:
    """Pairs CPT does not report together in one month, said on the later row."""
    pairs = (
        ({"99490", "99491", "99487"}, {"99424", "99426"}, "CCM and PCM"),
        ({"99484"}, {"99492", "99493"}, "general BHI and CoCM"),
    )
    by_month: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        by_month[(r.patient_id, r.month)] |= {u.code for u in r.codes}
    out = []
    for r in rows:
        have = by_month[(r.patient_id, r.month)]
        extra = [
            f"{words} in one month: CPT does not report both by the same practitioner"
            for one, other, words in pairs
            if have & one and have & other and {u.code for u in r.codes} & other
        ]
        out.append(r if not extra else _with_notes(r, extra))
    return out


def _with_notes(row: BillingRow, extra: list[str]) -> BillingRow:
    return replace(row, notes=(*row.notes, *extra))


def _people(session: Session, ids: Sequence[str], last: date) -> dict[str, tuple[str, str, bool]]:
    """Patient id → ("Family, Given", MRN, program consent given by ``last``)."""
    found: dict[str, tuple[str, str, bool]] = {}
    for batch in _chunks(ids):
        rows = session.execute(
            sa_select(
                col(Patient.id),
                col(Patient.family_name),
                col(Patient.given_name),
                col(Patient.mrn),
                col(Patient.consent_program),
                col(Patient.consent_program_on),
            ).where(col(Patient.id).in_(batch))
        )
        for pid, family, given, mrn, consent, on in rows:
            found[pid] = (f"{family}, {given}", mrn, bool(consent) and (on is None or on <= last))
    return found


def billing_rows(
    session: Session, year: int, month: int, patient_id: str | None = None
) -> list[BillingRow]:
    """Every patient-category with minutes in the calendar month, by name then category."""
    first, last = month_bounds(year, month)
    sums = _sums(session, first, last, patient_id)
    ids = sorted({pid for pid, _, _ in sums})
    if not ids:
        return []
    people = _people(session, ids, last)
    rows: list[BillingRow] = []
    ccm_ids = sorted({pid for pid, _, cat in sums if cat in bc.CCM_POOL})
    complex_ids = {pid for pid, _, cat in sums if cat == BillingCategory.CCM_COMPLEX}
    if ccm_ids:
        rows += [
            _ccm_row(m, m.patient_id in complex_ids)
            for m in ccm_months(session, first, last, ccm_ids)
        ]
    cocm_ids = sorted({pid for pid, _, cat in sums if cat == BillingCategory.COCM})
    seen = _cocm_months(session, cocm_ids, first, last) if cocm_ids else set()
    for (pid, key, cat), sides in sums.items():
        if cat in bc.CCM_POOL:
            continue
        consent = people.get(pid, ("", "", False))[2]
        rows.append(_other_row(pid, key, cat, sides, consent, _initial_cocm(pid, key, seen)))
    named = [_named(r, people.get(r.patient_id, (r.patient_id, "", False))) for r in rows]
    order = {c.key.value: i for i, c in enumerate(bc.CATEGORIES)}
    named.sort(key=lambda r: (r.name.casefold(), r.patient_id, order.get(r.category, 99)))
    return _same_month_notes(named)


def _named(row: BillingRow, person: tuple[str, str, bool]) -> BillingRow:
    return replace(row, name=person[0], mrn=person[1])


class Billing:
    """Minutes for billing by patient, month and category (``desk.billing``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def month(
        self, year: int, month: int, category: str | None = None, patient_id: str | None = None
    ) -> list[BillingRow]:
        """Every patient's minutes in one calendar month (one category, if given)."""
        self.desk.require(Permission.READ)
        wanted = _category(category)
        with self.desk.reading() as session:
            rows = billing_rows(session, year, month, patient_id)
        if wanted is None:
            return rows
        pool = bc.CCM_POOL if wanted in bc.CCM_POOL else (wanted,)
        return [r for r in rows if r.category in pool]

    def this_month(self, patient_id: str) -> list[BillingRow]:
        """One patient's rows for the current local calendar month (the chart header)."""
        today = local_today(utcnow())
        return self.month(today.year, today.month, patient_id=patient_id)

    def export_csv(self, path: Path, year: int, month: int, category: str | None = None) -> int:
        """Write the month's rows to ``path`` as CSV (private file, all or nothing, audited);
        the number of rows written."""
        self.desk.require(Permission.EXPORT)
        rows = self.month(year, month, category)
        try:
            write_private_atomic(path, billing_csv(rows).encode("utf-8"))
        except OSError as exc:
            raise CareDeskError(f"cannot write {path}: {exc.strerror}") from None
        with self.desk.writing(Permission.EXPORT) as tx:
            tx.audit(
                "export.billing",
                entity="time_entry",
                detail={"month": f"{year:04d}-{month:02d}", "rows": len(rows)},
            )
        return len(rows)


def _category(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    try:
        return bc.category(key.strip().lower()).key.value
    except ValueError:
        choices = ", ".join(c.key.value for c in bc.CATEGORIES)
        raise ValidationFailed("category", f"choose one of {choices}") from None
