"""Rows for bulk insertion: complete dicts per table, inserted with SQLAlchemy Core.

Generating tens of thousands of patients row by row through the ORM is far too slow, so the
generator builds plain dicts and inserts each table's batch with one ``executemany``. Every
dict starts from the table's defaults, so all rows of a table carry the same keys and no
NOT NULL column is left empty.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from operator import itemgetter
from typing import Any, ClassVar

from pydantic_core import PydanticUndefined
from sqlalchemy import Column, Connection, Dialect, Table, insert
from sqlmodel import Session, SQLModel

from careDesk.model import (
    assessment,
    clinical,
    outreach,
    patient,
    plan,
    referral,
    schedule,
    team,
    timeline,
)

# Parents before children, so foreign keys hold at every insert.
TABLES: tuple[type[SQLModel], ...] = (
    patient.Patient,
    patient.FamilyMember,
    clinical.Condition,
    clinical.Medication,
    clinical.Allergy,
    clinical.Encounter,
    clinical.Observation,
    assessment.ScreenerResult,
    assessment.Alert,
    plan.CarePlan,
    plan.Problem,
    plan.Goal,
    plan.GoalProgress,
    plan.Activity,
    team.CareTeamMember,
    schedule.FollowUp,
    schedule.Appointment,
    referral.Referral,
    referral.ResourceReferral,
    timeline.TimelineEntry,
    timeline.TimeEntry,
    timeline.Transition,
    outreach.InboundMessage,
)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _template(model: type[SQLModel]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        default = field.default
        row[name] = None if default is PydanticUndefined else _plain(default)
    return row


class IdMaker:
    """UUIDv7-shaped ids drawn from the patient's own random stream (RFC 9562 §5.7 layout).

    The time part is fixed per patient, the rest comes from the seeded generator, so the same
    seed gives the same ids and two runs never collide unless they share seed and patient.
    """

    def __init__(self, rng: random.Random, millis: int) -> None:
        self.rng = rng
        self.high = ((millis & ((1 << 48) - 1)) << 80) | (0x7 << 76)

    def __call__(self) -> str:
        rand = self.rng.getrandbits(74)
        value = self.high | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
        h = f"{value:032x}"  # the same text as str(uuid.UUID(int=value)), several times faster
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class RowBuffer:
    """Rows waiting to be inserted, per table, stamped like ``Tx.add`` would stamp them."""

    def __init__(self, changed_by: str, now: datetime) -> None:
        self.stamp = {"created_at": now, "updated_at": now, "changed_by": changed_by}
        self.templates = {m: {**_template(m), **self.stamp} for m in TABLES}
        self.rows: dict[type[SQLModel], list[dict[str, Any]]] = {m: [] for m in TABLES}
        self.counts: dict[str, int] = {}

    def add(self, model: type[SQLModel], **values: Any) -> dict[str, Any]:
        """Queue one row of ``model``; ``values`` must include its ``id``."""
        row = self.templates[model].copy()
        row.update(values)
        self.rows[model].append(row)
        return row

    def pending(self) -> int:
        """How many rows wait to be written."""
        return sum(len(rows) for rows in self.rows.values())

    def flush(self, session: Session) -> None:
        """Insert every waiting row in ``session`` (one executemany per table)."""
        connection = session.connection()
        for model, rows in self.rows.items():
            if not rows:
                continue
            table: Table = model.__table__  # type: ignore[attr-defined]
            _BulkInsert.of(table, connection.dialect).run(connection, rows)
            name = str(table.name)
            if bulk_inserted := session.info.get("sync.bulk_inserted"):
                bulk_inserted(connection, name, [row["id"] for row in rows])  # a syncing vault
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()


def _converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLAlchemy's own bind processor for this column on this dialect (None: stored as is).

    Rows of one batch share their ``created_at``/``updated_at`` object, so the last
    conversion is remembered: a datetime is converted once per batch, not once per row.
    """
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return convert


class _BulkInsert:
    """``insert(table)`` compiled once by SQLAlchemy, values converted as SQLAlchemy would.

    SQLAlchemy's executemany spends most of its time building parameters row by row; here the
    statement is compiled once, each row becomes a list in one C-level step, and only columns
    whose type has a bind processor (datetimes, dates, booleans) go through it, so the stored
    text is what the ORM stores (checked in ``tests/careDesk/care/test_demo.py``).
    """

    _cache: ClassVar[dict[str, _BulkInsert]] = {}

    def __init__(self, table: Table, dialect: Dialect) -> None:
        columns = [c.name for c in table.columns]
        compiled = insert(table).compile(dialect=dialect, column_keys=columns)
        self.sql = str(compiled)
        order = list(compiled.positiontup or columns)
        self.values = itemgetter(*order)
        converters = [(i, _converter(table.c[n], dialect)) for i, n in enumerate(order)]
        self.converters = [(i, fn) for i, fn in converters if fn is not None]

    @classmethod
    def of(cls, table: Table, dialect: Dialect) -> _BulkInsert:
        """The cached statement for ``table``."""
        found = cls._cache.get(table.name)
        if found is None:
            found = cls._cache[table.name] = cls(table, dialect)
        return found

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` with one DB-API executemany inside the session's transaction."""
        values, converters = self.values, self.converters
        params = []
        for row in rows:
            item = list(values(row))
            for index, convert in converters:
                if item[index] is not None:
                    item[index] = convert(item[index])
            params.append(item)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, params)
        finally:
            cursor.close()
