"""A patient's measurements as series: one per measure, points in the measure's unit, oldest first.

Observations are grouped by the named measure their LOINC code belongs to (``catalog``), so
A1c by HPLC and by IFCC are one series, in per cent; blood pressure rows pair systolic and
diastolic by panel and time; PHQ-9 and GAD-7 totals come from the screener results. Any other
LOINC-coded numeric observation is its own series in the unit it was sent in. A point whose
unit cannot be converted keeps its words (``raw``) and a ``problem`` and is left out of every
calculation — never shown as if it were in the series' unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, literal_column, select, text
from sqlmodel import Session, col

from careDesk.care.measures.catalog import Measure, by_code, by_key, catalog
from careDesk.care.measures.units import converter, shown
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import aware, aware_text
from careDesk.store.reads import column_rows

GENERIC_LOOKBACK_DAYS = 365  # careDesk's choice for a series the catalog does not name
CHUNK = 900  # patients per query: under SQLite's bound-parameter limit


class Reading(NamedTuple):
    """One stored value as read from the record (an observation row or a screener total).

    A named tuple, as :class:`Point`: a chart holds thousands, and a tuple is made in about
    half the time of a frozen dataclass (issue 17: the Measures tab's budget)."""

    record_id: str
    loinc: str | None
    display: str
    value: float
    unit: str | None
    at: datetime
    panel: str | None = None


class Point(NamedTuple):
    """A point of a series: its value(s) in the series' unit, or the problem that stops that."""

    at: datetime
    value: float | None
    value2: float | None = None  # the diastolic of a blood pressure
    recorded: tuple[tuple[float, str | None], ...] = ()  # each stored number with its unit
    record_ids: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None and self.value is not None

    @property
    def raw(self) -> str:
        """The value(s) as stored, with the unit they were stored in ("165 lb", "142/88 mm[Hg]")."""
        numbers = "/".join(f"{v:g}" for v, _unit in self.recorded)
        unit = self.recorded[-1][1] if self.recorded else None
        return f"{numbers} {unit or ''}".strip()


@dataclass(frozen=True)
class Series:
    """One measure's points, oldest first."""

    loinc: str
    display: str
    unit: str
    points: tuple[Point, ...]
    measure: Measure | None = None
    lookback_days: int = GENERIC_LOOKBACK_DAYS
    codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return self.measure.key if self.measure else self.loinc

    def usable(self) -> list[Point]:
        """The points every calculation uses (convertible, complete)."""
        return [p for p in self.points if p.usable]

    def latest(self) -> Point | None:
        """The newest usable point."""
        found = self.usable()
        return found[-1] if found else None

    def is_stale(self, point: Point | None, now: datetime) -> bool:
        """Whether ``point`` is older than the measure's look-back (or missing)."""
        return point is None or now - point.at > timedelta(days=self.lookback_days)

    def format(self, point: Point) -> str:
        """A point's value with its unit, as staff read it ("142/88 mm Hg", "8.2 %")."""
        return format_value(self, point.value, point.value2)


def format_value(series: Series, value: float | None, value2: float | None = None) -> str:
    """Numbers in the series' unit with the measure's decimals."""
    if value is None:
        return "—"
    places = series.measure.decimals if series.measure else 2
    text = f"{value:.{places}f}" if series.measure else f"{value:g}"
    if value2 is not None:
        text += f"/{value2:.{places}f}"
    unit = shown(series.unit)
    return f"{text} {unit}".strip() if unit != "%" else f"{text} %"


def _point(measure: Measure, r: Reading) -> Point:
    convert = converter(measure.key, r.unit)
    if convert is None:
        problem = f"unit '{r.unit or 'none'}' cannot be read as {shown(measure.unit) or 'a score'}"
        return Point(r.at, None, None, ((r.value, r.unit),), (r.record_id,), problem)
    return Point(r.at, convert(r.value), None, ((r.value, r.unit),), (r.record_id,))


def _pairs(measure: Measure, readings: list[Reading]) -> list[Point]:
    """Systolic and diastolic rows of the same panel and time as one point."""
    top, bottom = measure.components["systolic"], measure.components["diastolic"]
    groups: dict[tuple[str | None, datetime], dict[str, Reading]] = defaultdict(dict)
    for r in readings:
        if r.loinc in (top, bottom):
            groups[(r.panel, r.at)][r.loinc] = r
    points: list[Point] = []
    ids: tuple[str, ...]
    recorded: tuple[tuple[float, str | None], ...]
    for (_panel, at), parts in groups.items():
        s = _point(measure, parts[top]) if top in parts else None
        d = _point(measure, parts[bottom]) if bottom in parts else None
        if s is not None and d is not None:
            ids = (s.record_ids[0], d.record_ids[0])
            recorded = (s.recorded[0], d.recorded[0])
            problem = s.problem or d.problem
        else:
            one = s if s is not None else d
            assert one is not None  # a group holds at least one of the two
            ids, recorded = one.record_ids, one.recorded
            problem = one.problem or "only one of the two numbers was recorded"
        points.append(
            Point(at, s.value if s else None, d.value if d else None, recorded, ids, problem)
        )
    return points


def _named(measure: Measure, readings: list[Reading]) -> Series:
    if measure.is_pair:
        points = _pairs(measure, readings)
    else:
        seen: set[tuple[datetime, float]] = set()
        points = []
        for r in readings:
            if (r.at, r.value) in seen:
                continue  # a screener total also imported as an observation
            seen.add((r.at, r.value))
            points.append(_point(measure, r))
    points.sort(key=lambda p: (p.at, p.record_ids))
    return Series(
        measure.loinc,
        measure.display,
        measure.unit,
        tuple(points),
        measure,
        measure.lookback_days,
        frozenset((*measure.codes, *measure.components.values())),
    )


def _generic(loinc: str, readings: list[Reading]) -> Series:
    """A series the catalog does not name: the unit of its newest reading is the series' unit."""
    readings = sorted(readings, key=lambda r: (r.at, r.record_id))
    unit = readings[-1].unit or ""
    points = []
    for r in readings:
        problem = None if (r.unit or "") == unit else f"recorded in '{r.unit or 'no unit'}'"
        value = r.value if problem is None else None
        points.append(Point(r.at, value, None, ((r.value, r.unit),), (r.record_id,), problem))
    return Series(loinc, readings[-1].display, unit, tuple(points), codes=frozenset({loinc}))


def build_series(readings: Iterable[Reading]) -> list[Series]:
    """Series from readings: the catalog's measures first (in its order), then the rest by name."""
    named: dict[str, list[Reading]] = defaultdict(list)
    other: dict[str, list[Reading]] = defaultdict(list)
    of_code = by_code()  # measure_of's table, looked up here once (a refresh reads millions)
    for r in readings:
        measure = of_code.get(r.loinc or "")
        if measure is not None:
            named[measure.key].append(r)
        elif r.loinc:
            other[r.loinc].append(r)
    found = [_named(m, named[m.key]) for m in catalog().measures if m.key in named]
    rest = sorted((_generic(code, rows) for code, rows in other.items()), key=lambda s: s.display)
    return found + rest


# ----- reading the record ----------------------------------------------------------------------
SCREENER_CODES = {m.screener: m.loinc for m in catalog().measures if m.screener}


_OBSERVATIONS = (
    "SELECT patient_id, id, loinc, display, value, unit, effective, panel FROM observation"
    " WHERE patient_id IN :ids AND deleted_at IS NULL AND value IS NOT NULL"
)


def _moment(value: datetime | str) -> datetime:
    """A stored UTC time (text from a plain query, as SQLAlchemy's SQLite DATETIME writes it)."""
    return aware_text(value) if isinstance(value, str) else aware(value)


def observation_readings(
    session: Session, patient_ids: Sequence[str], codes: Sequence[str] | None = None
) -> dict[str, list[Reading]]:
    """Numeric observations of these patients (only ``codes`` if given), by patient.

    A plain query: a chart may hold thousands of values, and reading them without the ORM's
    per-row type processing keeps the Measures tab within its budget."""
    # ``+loinc``: without ANALYZE statistics SQLite took the loinc index, reading every
    # patient's values of these codes for each chunk of a risk refresh (quadratic in the
    # clinic's size); the unary plus leaves the patient_id index (as care/risk/gather.py does).
    # Schema 10 dropped that index; the plus keeps any index on loinc from taking the plan again.
    sql = _OBSERVATIONS + (" AND +loinc IN :codes" if codes is not None else "")
    params: list[Any] = [bindparam("ids", expanding=True)]
    if codes is not None:
        params.append(bindparam("codes", expanding=True))
    query = text(sql).bindparams(*params)
    found: dict[str, list[Reading]] = defaultdict(list)
    for chunk in _chunks(patient_ids):
        values: dict[str, Any] = {"ids": chunk}
        if codes is not None:
            values["codes"] = list(codes)
        for pid, rid, loinc, display, value, unit, at, panel in column_rows(session, query, values):
            found[pid].append(Reading(rid, loinc, display, float(value), unit, _moment(at), panel))
    return found


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    unique = sorted(set(ids))
    return [unique[i : i + CHUNK] for i in range(0, len(unique), CHUNK)]


def screener_readings(
    session: Session, patient_ids: Sequence[str], instruments: Sequence[str] | None = None
) -> dict[str, list[Reading]]:
    """PHQ-9 and GAD-7 totals of these patients as readings of their LOINC total codes."""
    wanted = [i for i in (instruments or SCREENER_CODES) if i in SCREENER_CODES]
    found: dict[str, list[Reading]] = defaultdict(list)
    for chunk in _chunks(patient_ids):
        q = select(
            col(ScreenerResult.patient_id),
            col(ScreenerResult.id),
            col(ScreenerResult.instrument),
            col(ScreenerResult.total),
            col(ScreenerResult.taken_at),
        ).where(
            col(ScreenerResult.patient_id).in_(chunk),
            col(ScreenerResult.deleted_at).is_(None),
            # ``+instrument``: the patient_id index, not every patient's results of the instrument
            literal_column("+screener_result.instrument").in_(wanted),
            col(ScreenerResult.total).is_not(None),
        )
        for pid, rid, instrument, total, at in column_rows(session, q):
            code = SCREENER_CODES[instrument]
            name = by_key()[instrument].display
            found[pid].append(Reading(rid, code, name, float(total), "{score}", aware(at)))
    return found


def patient_series(session: Session, patient_id: str) -> list[Series]:
    """Every series of one patient."""
    readings = observation_readings(session, [patient_id]).get(patient_id, [])
    readings += screener_readings(session, [patient_id]).get(patient_id, [])
    return build_series(readings)
