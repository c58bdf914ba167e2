"""Plain words for what is stored as code: enum values, field names and repeat rules.

The one place a stored code becomes words a coordinator reads ("in_progress" → "in progress",
"lab_check" → "lab check", "FREQ=WEEKLY;BYDAY=MO,TU" → "every Monday and Tuesday",
"review_date" → "review date"), in English and Spanish. The words are data, one JSON file per
language in ``careDesk/resources/words`` (as the handout phrases are,
CONTRIBUTING.md#clinical-tables-are-data); a word missing from a language falls back to
English, and a code missing from English is shown with its underscores as spaces rather than
as code.

Repeat rules are RFC 5545 RRULEs read by ``dateutil.rrule`` (never parsed by hand here); a
rule with parts these words do not cover (BYSETPOS, BYWEEKNO, BYYEARDAY…) reads "on a custom
repeat" rather than as code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from careDesk.text import clean_text

FALLBACK = "en"
LANGUAGES = ("en", "es")
# dateutil.rrule's frequency numbers (rrule.YEARLY … rrule.SECONDLY).
_YEARLY, _MONTHLY, _WEEKLY, _DAILY, _HOURLY, _MINUTELY = range(6)
# Rule parts the words cover; any other BY part makes the rule "custom".
_COVERED = frozenset({"byweekday", "bymonthday", "bymonth", "byhour", "byminute"})


@cache
def _table(language: str) -> dict[str, Any]:
    path = resources.files("careDesk").joinpath("resources", "words", f"{language}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _code(language: str | None) -> str:
    code = (language or FALLBACK).split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else FALLBACK


def _lookup(language: str | None, *keys: str) -> Any:
    """The entry at ``keys`` in ``language``, else in English, else ``None``."""
    for code in dict.fromkeys((_code(language), FALLBACK)):
        node: Any = _table(code)
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return node
    return None


def _phrase(language: str | None, key: str, **params: object) -> str:
    return str(_lookup(language, "schedule", key)).format(**params)


def say(code: object, *, group: str = "", language: str | None = None) -> str:
    """A stored value in plain words: ``say("in_progress")`` → "in progress".

    ``group`` picks the words of one kind of value where a code means different things
    ("in" as a call's direction is "incoming"). An unknown code is shown with its underscores
    as spaces, never as it is stored.
    """
    if code is None:
        return ""
    text = str(getattr(code, "value", code))
    found = _lookup(language, "groups", group, text) if group else None
    found = found if found is not None else _lookup(language, "values", text)
    return str(found) if found is not None else text.replace("_", " ")


def capital(text: str) -> str:
    """``text`` with its first letter upper case ("lab check" → "Lab check")."""
    return text[:1].upper() + text[1:]


def field_name(field: str, *, language: str | None = None) -> str:
    """A field's name in plain words: "birth_date" → "birth date", "mrn" → "MRN"."""
    found = _lookup(language, "fields", field)
    return str(found) if found is not None else field.replace("_", " ")


def labelled(kind: object, text: str | None, *, language: str | None = None) -> str:
    """``"Kind: text"``, without saying the kind twice ("Education: Education: diet" is
    "Education: diet")."""
    word = capital(say(kind, language=language))
    body = (text or "").strip()
    if not body:
        return word
    head = body.split(":", 1)[0].strip().lower()
    if head in (word.lower(), str(getattr(kind, "value", kind)).lower()):
        return body
    return f"{word}: {body}"


# ----- repeat rules ---------------------------------------------------------------------------
def looks_like_rule(text: str) -> bool:
    """Whether a schedule is written as an RRULE rather than in words."""
    upper = text.strip().upper()
    return upper.startswith(("RRULE:", "FREQ=", "DTSTART")) or ";FREQ=" in upper


def _join(language: str | None, words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {_phrase(language, 'and')} {words[-1]}"


def _date(language: str | None, day: date) -> str:
    months = _lookup(language, "schedule", "months")
    return _phrase(language, "date", month=months[day.month - 1], day=day.day, year=day.year)


def day_words(day: date, *, language: str | None = None) -> str:
    """A date in words, to check a typed one: "Wednesday, December 2, 2026"."""
    weekday = _lookup(language, "schedule", "weekdays")[day.weekday()]
    return f"{weekday}, {_date(language, day)}"


def _month_day(language: str | None, n: int) -> str:
    if n == -1:
        return _phrase(language, "last_day")
    suffixes = _lookup(language, "schedule", "suffixes")
    key = str(n) if str(n) in suffixes else str(n % 10) if str(n % 10) in suffixes else "other"
    if n % 100 in (11, 12, 13) and "11" in suffixes:
        key = str(n % 100)
    return _phrase(language, "day_of_month", n=n, suffix=suffixes.get(key, suffixes["other"]))


def _weekday(language: str | None, day: Any, *, every: bool) -> str:
    names = _lookup(language, "schedule", "weekdays_every" if every else "weekdays")
    name = str(names[day.weekday])
    if day.n is None or day.n == 0:
        return name
    nth = _lookup(language, "schedule", "nth").get(str(day.n), str(day.n))
    return _phrase(language, "nth_weekday", nth=nth, weekday=name)


def _every(language: str | None, n: int, one: str, many: str, **params: object) -> str:
    return _phrase(language, one, **params) if n == 1 else _phrase(language, many, n=n, **params)


def _base(language: str | None, rule: Any, given: dict[str, Any]) -> str:
    freq, n = rule._freq, rule._interval
    weekdays = given.get("byweekday") or ()
    if freq == _WEEKLY and weekdays:
        if n == 1:
            days = _join(language, [_weekday(language, d, every=True) for d in weekdays])
            return _phrase(language, "on_days", days=days)
        days = _join(language, [_weekday(language, d, every=False) for d in weekdays])
        return _phrase(language, "every_n_weeks_on", n=n, days=days)
    if freq == _MONTHLY and (given.get("bymonthday") or weekdays):
        parts = [_month_day(language, d) for d in given.get("bymonthday") or ()]
        parts += [_weekday(language, d, every=False) for d in weekdays]
        days = _join(language, parts)
        return _every(language, n, "monthly_on", "every_n_months_on", days=days)
    if freq == _YEARLY:
        text = _every(language, n, "every_year", "every_n_years")
        months = _lookup(language, "schedule", "months")
        if given.get("bymonth"):
            named = _join(language, [str(months[m - 1]) for m in given["bymonth"]])
            text += " " + _phrase(language, "in_months", months=named)
        return text
    plain = {
        _MONTHLY: ("every_month", "every_n_months"),
        _WEEKLY: ("every_week", "every_n_weeks"),
        _DAILY: ("every_day", "every_n_days"),
        _HOURLY: ("every_hour", "every_n_hours"),
        _MINUTELY: ("every_minute", "every_n_minutes"),
    }
    one, many = plain[freq]
    return _every(language, n, one, many)


def _parse(text: str) -> Any:
    from dateutil.rrule import rrule, rrulestr

    cleaned = text.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:]
    try:
        parsed = rrulestr(cleaned, dtstart=datetime(2000, 1, 1), ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return parsed if isinstance(parsed, rrule) else None


def schedule(text: str | None, *, language: str | None = None) -> str:
    """A schedule in plain words: words as typed ("every morning"), an RRULE written out
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR" → "every 2 weeks on Friday"); never the rule's code."""
    if not text or not text.strip():
        return ""
    if not looks_like_rule(text):
        return clean_text(text.strip())
    said = rule_words(text, language=language)
    return _phrase(language, "custom") if said is None else said


def rule_words(text: str, *, language: str | None = None) -> str | None:
    """An RRULE written out, or ``None`` when the words do not cover it (a handout then leaves
    the schedule out rather than print "on a custom repeat")."""
    rule = _parse(text)
    given: dict[str, Any] = dict(getattr(rule, "_original_rule", {}) or {}) if rule else {}
    if rule is None or rule._freq > _MINUTELY or set(given) - _COVERED:
        return None
    words = _base(language, rule, given)
    if given.get("byhour") and rule._freq <= _DAILY:
        minutes = given.get("byminute") or (0,)
        times = [f"{h}:{m:02d}" for h in given["byhour"] for m in minutes]
        words += " " + _phrase(language, "at", times=_join(language, times))
    if rule._count:
        count = _phrase(language, "once") if rule._count == 1 else None
        words += ", " + (count or _phrase(language, "times", n=rule._count))
    elif rule._until:
        words += ", " + _phrase(language, "until", date=_date(language, rule._until.date()))
    return words
