"""Due work: the one definition of "what is due today" that Today, Reminders and Schedule count.

Issue 19 found the three lists counting different scopes without saying so. Here each piece of
due work is defined once, as SQL over the stored rows, and every list asks this module:

- an unresolved **urgent alert** (e.g. PHQ-9 item 9 answered: same-day follow-up);
- an open **follow-up** due before the end of today (overdue ones included), unless snoozed:
  a snooze hides it from every list until the snooze ends;
- an active **care plan whose review date** is today or past;
- an enrolled or active patient **never screened**.

Only patients still in the program count (candidate, enrolled, active; not removed). "Overdue"
means due on an earlier day than today (the workstation's calendar day); "due today" means due
today. A **scope** is whose patients: :attr:`Scope.MINE` is the patients a user coordinates plus
those with an open follow-up assigned to them (so a reassigned follow-up reaches its new owner);
:attr:`Scope.CLINIC` is everyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Date, DateTime, TextClause, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from careDesk.model.base import utcnow
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

OPEN_STATUSES = ("candidate", "enrolled", "active")
SCREENED_STATUSES = ("enrolled", "active")


class Scope(StrEnum):
    """Whose patients a list shows."""

    MINE = "mine"
    CLINIC = "clinic"


SCOPE_WORDS = {Scope.MINE: "Your patients", Scope.CLINIC: "Whole clinic"}


def scope_of(value: str | None) -> Scope:
    """A scope from a stored preference; the old "all" means the whole clinic."""
    return Scope.MINE if value == Scope.MINE.value else Scope.CLINIC


@dataclass(frozen=True)
class DueItem:
    """One piece of work due today or overdue."""

    kind: str  # alert, follow_up, plan_review, screening
    title: str
    due: datetime | date | None
    overdue: bool
    urgent: bool = False
    ref_id: str | None = None


@dataclass(frozen=True)
class DueEntry:
    """A piece of due work with its patient, as the clinic-wide lists show it."""

    patient_id: str
    patient_name: str
    item: DueItem
    assignee_id: str | None = None

    @property
    def follow_up_id(self) -> str | None:
        """The follow-up to complete, snooze or reassign (other kinds are done in the chart)."""
        return self.item.ref_id if self.item.kind == "follow_up" else None


@dataclass(frozen=True)
class DueSummary:
    """How much work is due in a scope: the headline every list shows."""

    scope: Scope
    patients: int  # patients with at least one due item
    items: int
    overdue: int
    follow_ups: int

    def words(self) -> str:
        """E.g. "Your patients — 23 due today (41 items, 9 overdue)"."""
        return (
            f"{SCOPE_WORDS[self.scope]} — {self.patients} with work due today "
            f"({self.items} item(s), {self.overdue} overdue)"
        )


@dataclass(frozen=True)
class ClinicDay:
    """Today on the workstation's calendar, as UTC instants (stored times are UTC)."""

    today: date
    start: datetime
    end: datetime
    now: datetime

    @classmethod
    def of(cls, now: datetime) -> ClinicDay:
        local = now.astimezone()
        start = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
        end = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
        return cls(local.date(), start.astimezone(UTC), end.astimezone(UTC), now.astimezone(UTC))

    def params(self) -> dict[str, Any]:
        return self.through(self.today) | {
            "day_start": _naive(self.start),
            "now": _naive(self.now),
            "today": self.today,
        }

    def through(self, last: date) -> dict[str, Any]:
        """The bounds that let due work reach to the end of ``last`` (a week's schedule)."""
        end = datetime.combine(last + timedelta(days=1), time()).astimezone(UTC)
        return {"until_end": _naive(max(end, self.end)), "until_day": max(last, self.today)}


def _naive(value: datetime) -> datetime:
    # SQLite keeps UTC times naive (model/base.py): compare like with like.
    return value.astimezone(UTC).replace(tzinfo=None)


# The four kinds of due work, each once. Columns: patient_id, kind, ref_id, title, due_at,
# due_day, urgent, assignee_id.
_SOURCES = (
    "SELECT a.patient_id, 'alert' AS kind, a.id AS ref_id, a.message AS title, "
    "a.raised_at AS due_at, NULL AS due_day, 1 AS urgent, NULL AS assignee_id "
    "FROM alert AS a WHERE a.deleted_at IS NULL "
    "AND a.resolved_at IS NULL AND a.severity = 'urgent'",
    "SELECT f.patient_id, 'follow_up', f.id, f.title, f.due_at, NULL, f.urgent, f.assignee_id "
    "FROM follow_up AS f WHERE {u}f.status = 'open' AND f.deleted_at IS NULL "
    "AND {u}f.due_at < :until_end AND (f.snoozed_until IS NULL OR f.snoozed_until <= :now)",
    "SELECT c.patient_id, 'plan_review', c.id, 'Care plan review due', NULL, c.review_date, 0, "
    "NULL FROM care_plan AS c WHERE c.deleted_at IS NULL AND c.status = 'active' "
    "AND {u}c.review_date <= :until_day",
    "SELECT s.id, 'screening', NULL, 'Enrolled but never screened', NULL, NULL, 0, NULL "
    "FROM patient AS s WHERE {u}s.status IN :screened AND NOT EXISTS (SELECT 1 FROM "
    "screener_result AS r WHERE r.patient_id = s.id AND r.deleted_at IS NULL)",
)
_PATIENT_COLUMN = ("a.patient_id", "f.patient_id", "c.patient_id", "s.id")
DUE_SQL = " UNION ALL ".join(sql.format(u="") for sql in _SOURCES)
# The same for a page of patients (``:ids``): each part searches by patient, so a worklist page
# costs a few index lookups, not the whole clinic's due work. The unary + keeps SQLite from
# choosing the status/date indexes instead (the clinic-wide form wants those).
DUE_SQL_FOR_IDS = " UNION ALL ".join(
    f"{sql.format(u='+')} AND {column} IN :ids"
    for sql, column in zip(_SOURCES, _PATIENT_COLUMN, strict=True)
)

# Overdue: due on an earlier day (a follow-up before today's start, a review before today);
# never NULL, so NOT(overdue) keeps the rest.
_OVERDUE = (
    "((d.kind = 'follow_up' AND d.due_at < :day_start) "
    "OR (d.due_day IS NOT NULL AND d.due_day < :today))"
)
QUICK_FILTERS = {
    "due": "",
    "overdue": f" WHERE {_OVERDUE}",
    "today": f" WHERE NOT ({_OVERDUE}) AND d.kind IN ('follow_up', 'plan_review', 'alert')",
    "never_screened": " WHERE d.kind = 'screening'",
}
QUICK_WORDS = {
    "due": "anything due",
    "overdue": "overdue",
    "today": "due today",
    "never_screened": "never screened",
    "not_improving": "not improving",  # from measures, not due work (care/worklist.py)
}


def scope_condition(user_id: str | None, alias: str = "p") -> tuple[str, dict[str, Any]]:
    """SQL that keeps a user's patients (none: the whole clinic), with its parameters."""
    if user_id is None:
        return "1 = 1", {}
    sql = (
        f"{alias}.id IN (SELECT id FROM patient WHERE coordinator_id = :me UNION "
        "SELECT patient_id FROM follow_up WHERE assignee_id = :me AND status = 'open' "
        "AND deleted_at IS NULL)"
    )
    return sql, {"me": user_id}


def quick_condition(quick: str, alias: str = "p") -> str:
    """SQL that keeps patients with due work of one quick filter (Today's filters)."""
    return f"{alias}.id IN (SELECT d.patient_id FROM ({DUE_SQL}) AS d{QUICK_FILTERS[quick]})"


_LISTS = ("statuses", "screened", "ids")
_TYPED: dict[str, TypeEngine[Any]] = {
    "day_start": DateTime(),
    "until_end": DateTime(),
    "today": Date(),
    "until_day": Date(),
}


def bind(sql: str) -> TextClause:
    """A text query with the expanding and typed parameters due-work SQL uses."""
    lists: list[BindParameter[Any]] = [
        bindparam(n, expanding=True) for n in _LISTS if f":{n}" in sql
    ]
    typed = [bindparam(n, type_=t) for n, t in _TYPED.items() if f":{n}" in sql]
    return text(sql).bindparams(*lists, *typed)


def day_params(now: datetime) -> dict[str, Any]:
    """Parameters the due-work SQL needs (today's bounds; who can be screened)."""
    return ClinicDay.of(now).params() | {"screened": list(SCREENED_STATUSES)}


def base_params(now: datetime) -> dict[str, Any]:
    """Parameters of a due-work query over every patient still in the program."""
    return day_params(now) | {"statuses": list(OPEN_STATUSES)}


def _item(r: Any, day: ClinicDay) -> DueItem:
    due_at = _aware(r.due_at)
    due_day = date.fromisoformat(r.due_day) if isinstance(r.due_day, str) else r.due_day
    overdue = bool(
        (r.kind == "follow_up" and due_at is not None and due_at < day.start)
        or (due_day is not None and due_day < day.today)
    )
    when: datetime | date | None = due_at if due_at is not None else due_day
    return DueItem(r.kind, r.title, when, overdue, bool(r.urgent), r.ref_id)


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _rows(
    session: Session, where: str, params: dict[str, Any], limit: int | None, due: str = DUE_SQL
) -> list[Any]:
    sql = (
        f"SELECT d.*, p.given_name, p.family_name, p.preferred_name FROM ({due}) AS d "
        f"JOIN patient AS p ON p.id = d.patient_id WHERE p.deleted_at IS NULL "
        f"AND +p.status IN :statuses AND {where} "  # + : look patients up by id, not status
        "ORDER BY d.urgent DESC, coalesce(d.due_at, d.due_day) IS NULL, "
        "coalesce(d.due_at, d.due_day), d.patient_id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return list(session.execute(bind(sql), params))


def due_work(session: Session, ids: Sequence[str], now: datetime) -> dict[str, list[DueItem]]:
    """The due work of these patients (a page of the worklist), by patient id."""
    found: dict[str, list[DueItem]] = defaultdict(list)
    if not ids:
        return found
    day = ClinicDay.of(now)
    params = base_params(now) | {"ids": list(ids)}
    for r in _rows(session, "p.id IN :ids", params, None, DUE_SQL_FOR_IDS):
        found[r.patient_id].append(_item(r, day))
    return found


class DueWork:
    """Due work by scope (``desk.due_work``): the counts Today, Reminders and Schedule share."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _user(self, scope: Scope) -> str | None:
        return self.desk.user.id if scope == Scope.MINE else None

    def entries(
        self,
        scope: Scope,
        *,
        now: datetime | None = None,
        through: date | None = None,
        limit: int = 2000,
    ) -> list[DueEntry]:
        """Every piece of due work in ``scope``: urgent first, then the oldest. ``through`` a
        later day also brings the follow-ups and reviews due until then (a week's schedule);
        "overdue" still means before today."""
        self.desk.require(Permission.READ)
        moment = now or utcnow()
        day = ClinicDay.of(moment)
        where, params = scope_condition(self._user(scope))
        params |= base_params(moment)
        if through is not None:
            params |= day.through(through)
        with self.desk.reading() as session:
            rows = _rows(session, where, params, limit)
        return [
            DueEntry(
                r.patient_id,
                f"{r.family_name}, {r.preferred_name or r.given_name}",
                _item(r, day),
                r.assignee_id,
            )
            for r in rows
        ]

    def in_scope(self, scope: Scope, patient_ids: Sequence[str]) -> set[str]:
        """Which of these patients are in ``scope`` (e.g. the day's appointments)."""
        self.desk.require(Permission.READ)
        if scope == Scope.CLINIC or not patient_ids:
            return set(patient_ids)
        where, params = scope_condition(self._user(scope))
        sql = f"SELECT p.id FROM patient AS p WHERE p.id IN :ids AND {where}"
        with self.desk.reading() as session:
            found = session.execute(bind(sql), params | {"ids": list(set(patient_ids))})
            return {r.id for r in found}

    def summary(self, scope: Scope, *, now: datetime | None = None) -> DueSummary:
        """How many patients and items are due in ``scope``, and how many are overdue."""
        self.desk.require(Permission.READ)
        moment = now or utcnow()
        where, params = scope_condition(self._user(scope))
        sql = (
            "SELECT count(DISTINCT d.patient_id) AS patients, count(*) AS items, "
            f"coalesce(sum(CASE WHEN {_OVERDUE} THEN 1 ELSE 0 END), 0) AS overdue, "
            "coalesce(sum(d.kind = 'follow_up'), 0) AS follow_ups "
            f"FROM ({DUE_SQL}) AS d JOIN patient AS p ON p.id = d.patient_id "
            f"WHERE p.deleted_at IS NULL AND +p.status IN :statuses AND {where}"
        )
        with self.desk.reading() as session:
            r = session.execute(bind(sql), base_params(moment) | params).one()
        return DueSummary(scope, int(r.patients), int(r.items), int(r.overdue), int(r.follow_ups))
