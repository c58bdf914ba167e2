"""Plain words for dates, times, schedules and free text from the record.

No Latin or shorthand reaches a handout (The Joint Commission "Do Not Use" list; ISMP list of
error-prone abbreviations; docs/clinical-sources.md#medication-timing): free text from the
record passes through :func:`plain` first. It writes the Do-Not-Use forms in safe words
(:mod:`careDesk.handouts.safe_words`: "10 units", "daily", "0.5 mg"), then the reviewed
expansions of the phrase file ("2 times a day" for BID, "when needed" for PRN), in the
handout's language, and refuses the text if a Do-Not-Use form is still left. Clock times are
written "9:30 in the morning" rather than with AM/PM (Latin, and harder to read).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from careDesk import words
from careDesk.handouts.phrases import Phrasebook
from careDesk.handouts.safe_words import OTHER, Context, check, rewrite

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def expand(book: Phrasebook, text: str) -> str:
    """``text`` with the phrase file's reviewed abbreviations written out (nothing else)."""
    result = text
    for abbreviation in book.abbreviations:
        result = abbreviation.pattern.sub(abbreviation.plain, result)
    return result


def plain(
    book: Phrasebook, text: str | None, *, field: str = "text", context: Context = OTHER
) -> str:
    """``text`` in safe, plain words, spaces tidied; refused (naming ``field``) if unsafe."""
    if not text:
        return ""
    result = " ".join(expand(book, rewrite(book, text, context)).split())
    check(result, field=field, context=context)
    return result


def sentence(text: str) -> str:
    """``text`` ending in a full stop (so it reads, and is scored, as a sentence)."""
    text = text.strip()
    if not text or text[-1] in ".!?:":
        return text
    return text + "."


def long_date(book: Phrasebook, day: date) -> str:
    """E.g. "Tuesday, March 3, 2026" / "martes 3 de marzo de 2026"."""
    return book.text(
        "date.full",
        weekday=book.items("date.weekdays")[day.weekday()],
        month=book.items("date.months")[day.month - 1],
        month_number=day.month,
        day=day.day,
        year=day.year,
    )


def short_date(book: Phrasebook, day: date) -> str:
    """E.g. "March 3, 2026"."""
    return book.text(
        "date.short",
        month=book.items("date.months")[day.month - 1],
        month_number=day.month,
        day=day.day,
        year=day.year,
    )


def clock(book: Phrasebook, moment: datetime) -> str:
    """E.g. "9:30 in the morning", "2:15 de la tarde", "7:00 tối"."""
    hour = moment.hour % 12 or 12
    time_text = f"{hour}:{moment.minute:02d}"
    if moment.hour < 12:
        part = "date.morning"
    elif moment.hour < 17:
        part = "date.afternoon"
    else:
        part = "date.evening"
    return book.text(part, time=time_text)


def date_and_time(book: Phrasebook, moment: datetime) -> str:
    """E.g. "Tuesday, March 3, 2026 at 9:30 in the morning" (``moment`` in local time)."""
    return book.text("date.at", date=long_date(book, moment.date()), time=clock(book, moment))


def _join(book: Phrasebook, words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {book.text('schedule.and')} {words[-1]}"


def schedule_words(book: Phrasebook, schedule: str | None) -> str:
    """An activity's schedule in plain words: plain text as is, simple RRULEs written out.

    RRULEs (RFC 5545) other than daily, weekly (with or without BYDAY) and monthly are left out
    rather than printed as code.
    """
    if not schedule:
        return ""
    text = schedule.strip()
    if "FREQ=" not in text.upper():
        return plain(book, text)
    parts = dict(
        item.split("=", 1) for item in text.upper().removeprefix("RRULE:").split(";") if "=" in item
    )
    freq = parts.get("FREQ")
    if parts.get("INTERVAL", "1") != "1" or freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        return _other_rule(book, text)
    if freq == "DAILY":
        return book.text("schedule.every_day")
    if freq == "MONTHLY":
        return book.text("schedule.every_month")
    codes = [c for c in re.split(r",", parts.get("BYDAY", "")) if c in _WEEKDAY_CODES]
    if not codes:
        return book.text("schedule.every_week")
    names = [book.items("date.weekdays")[_WEEKDAY_CODES.index(c)] for c in codes]
    return book.text("schedule.every_days", days=_join(book, names))


def _other_rule(book: Phrasebook, rule: str) -> str:
    """A rule the phrasebook does not word ("every 2 weeks on Friday", yearly…), in the words
    of :mod:`careDesk.words` where it has the handout's language; else left out, never code."""
    if book.language not in words.LANGUAGES:
        return ""
    return words.rule_words(rule, language=book.language) or ""
