"""Stored codes, field names and repeat rules in plain words, in English and Spanish (issue 19).

The rules are RFC 5545 §3.3.10 RRULEs; each expected reading is what the rule means by that
section (BYDAY with an ordinal inside MONTHLY is the nth weekday of the month, a negative one
counts from the end; COUNT is the number of occurrences; UNTIL the last day).
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from datetime import date

import pytest

import careDesk
from careDesk.model.plan import ActivityKind, ActivityStatus
from careDesk.model.schedule import FollowUpKind
from careDesk.words import day_words, field_name, labelled, say, schedule

RULES = [
    ("FREQ=WEEKLY;BYDAY=MO,TU", "every Monday and Tuesday", "todos los lunes y martes"),
    (
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        "every 2 weeks on Friday",
        "cada 2 semanas, el viernes",
    ),
    ("FREQ=WEEKLY;BYDAY=SA,SU", "every Saturday and Sunday", "todos los sábados y domingos"),
    ("FREQ=DAILY", "every day", "todos los días"),
    ("FREQ=DAILY;INTERVAL=3", "every 3 days", "cada 3 días"),
    ("FREQ=WEEKLY", "every week", "cada semana"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "every month on the 15th", "cada mes, el día 15"),
    (
        "FREQ=MONTHLY;BYMONTHDAY=1,22,-1",
        "every month on the 1st, 22nd and last day",
        "cada mes, el día 1, día 22 y último día",
    ),
    ("FREQ=MONTHLY;BYDAY=1MO", "every month on the first Monday", "cada mes, el primer lunes"),
    (
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR",
        "every 3 months on the last Friday",
        "cada 3 meses, el último viernes",
    ),
    (
        "FREQ=MONTHLY;BYMONTHDAY=11;COUNT=6",
        "every month on the 11th, 6 times",
        "cada mes, el día 11, 6 veces",
    ),
    (
        "FREQ=WEEKLY;BYDAY=WE;UNTIL=20260303T000000Z",
        "every Wednesday, until March 3, 2026",
        "todos los miércoles, hasta el 3 de marzo de 2026",
    ),
    ("FREQ=DAILY;BYHOUR=9;BYMINUTE=30", "every day at 9:30", "todos los días a las 9:30"),
    ("FREQ=YEARLY;BYMONTH=10", "every year in October", "cada año en octubre"),
    ("FREQ=DAILY;COUNT=1", "every day, once", "todos los días, una vez"),
]


@pytest.mark.parametrize(("rule", "english", "spanish"), RULES)
def test_repeat_rules_read_as_words(rule: str, english: str, spanish: str) -> None:
    assert schedule(rule) == english
    assert schedule(rule, language="es") == spanish
    assert schedule(rule, language="es-MX") == spanish  # a regional tag uses its language


@pytest.mark.parametrize(
    "rule",
    ["FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR", "FREQ=YEARLY;BYWEEKNO=20", "FREQ=NOPE"],
)
def test_a_rule_beyond_the_words_never_shows_its_code(rule: str) -> None:
    for language in ("en", "es"):
        text = schedule(rule, language=language)
        assert text and "FREQ" not in text and "=" not in text


def test_a_schedule_in_words_stays_as_typed() -> None:
    assert schedule("  every morning with breakfast ") == "every morning with breakfast"
    assert schedule(None) == "" and schedule("") == ""


def test_statuses_and_kinds_from_the_report_read_as_words() -> None:
    assert say("in_progress") == "in progress"
    assert say(ActivityStatus.IN_PROGRESS, language="es") == "en curso"
    assert say(FollowUpKind.LAB_CHECK) == "lab check"
    assert say("lab_check", language="es") == "revisión de laboratorio"
    assert say("ahc_hrsn") == "social needs (AHC-HRSN)"
    assert say("ed_before") == "emergency visits before"
    assert say("in", group="direction") == "incoming"
    assert say("in", group="direction", language="es") == "entrante"
    assert say(None) == ""


def test_an_unknown_code_or_language_falls_back_to_words() -> None:
    assert say("some_new_state") == "some new state"
    assert say("in_progress", language="vi") == "in progress"  # no Vietnamese words: English


def _enum_values() -> set[str]:
    for info in pkgutil.walk_packages(careDesk.__path__, "careDesk."):
        if ".cli" in info.name or info.name.endswith("__main__") or "migrations" in info.name:
            continue
        importlib.import_module(info.name)
    values: set[str] = set()
    stack: list[type] = [enum.StrEnum]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("careDesk.model"):
            values.update(str(member.value) for member in cls)  # type: ignore[var-annotated]
    return values


def test_every_model_enum_value_has_english_and_spanish_words() -> None:
    """Every status and kind a record stores reads as words in both languages (no fallback
    to the code with its underscores as spaces)."""
    from careDesk.words import _lookup, _table

    for value in sorted(_enum_values()):
        assert _lookup("en", "values", value) is not None, value
        assert value in _table("es")["values"], value


def test_field_names_and_kinds_in_labels() -> None:
    assert field_name("review_date") == "review date"
    assert field_name("review_date", language="es") == "fecha de revisión"
    assert field_name("mrn") == "MRN"
    assert labelled("education", "Education: healthy eating") == "Education: healthy eating"
    assert labelled(ActivityKind.TEST, "A1c") == "Lab test: A1c"
    assert labelled("check_in", "Weekly call", language="es") == "Seguimiento: Weekly call"


def test_a_date_in_words_to_check_what_was_typed() -> None:
    assert day_words(date(2026, 3, 4)) == "Wednesday, March 4, 2026"
    assert day_words(date(2026, 12, 2), language="es") == "miércoles, 2 de diciembre de 2026"
