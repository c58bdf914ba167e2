"""Typed reads of Qt date values (PySide's ``toPython`` is typed as returning ``object``)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime


def to_date(value: QDate) -> date:
    """A ``QDate`` as a ``date``."""
    result = value.toPython()
    assert isinstance(result, date)
    return result


def to_datetime(value: QDateTime) -> datetime:
    """A ``QDateTime`` as a naive local ``datetime``."""
    result = value.toPython()
    assert isinstance(result, datetime)
    return result


def from_datetime(value: datetime) -> QDateTime:
    """An aware or naive (local) ``datetime`` as a ``QDateTime`` in local time."""
    return QDateTime.fromMSecsSinceEpoch(int(value.timestamp() * 1000))


def today() -> QDate:
    """Today as a ``QDate``, read from the clock the core reads (``QDate.currentDate`` reads
    the system's own), so a form and the desk agree on the date."""
    day = date.today()
    return QDate(day.year, day.month, day.day)


def now() -> QDateTime:
    """Now as a ``QDateTime`` in local time, from the core's clock (see ``today``)."""
    return from_datetime(datetime.now().astimezone())
