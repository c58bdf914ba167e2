"""Recurring follow-ups: RFC 5545 rules (``dateutil.rrule``) evaluated in local wall time.

A follow-up "every 2 weeks at 10:00" must stay at 10:00 local time across a daylight-saving
change, so the rule runs on naive local times in the follow-up's IANA zone (``zoneinfo``) and
each occurrence is converted to UTC only at the end.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from careDesk.errors import ValidationFailed

DEFAULT_ZONE = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty); a typo is a validation error."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("timezone", f"unknown time zone {name!r}") from None


def parse_rule(text: str, start_local: datetime) -> rrule:
    """Parse an RRULE (with or without the ``RRULE:`` prefix) anchored at ``start_local``."""
    cleaned = text.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:]
    try:
        rule = rrulestr(cleaned, dtstart=start_local.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("recurrence", f"not a valid RFC 5545 rule ({exc})") from None
    if not isinstance(rule, rrule):
        raise ValidationFailed("recurrence", "give one RRULE, not a set")
    return rule


def next_occurrence(
    rule_text: str, anchor_utc: datetime, after_utc: datetime, zone_name: str | None
) -> datetime | None:
    """The first occurrence strictly after ``after_utc`` of a rule anchored at ``anchor_utc``.

    Both inputs and the result are aware UTC datetimes; the rule runs in local wall time.
    """
    tz = zone(zone_name)
    anchor_local = anchor_utc.astimezone(tz).replace(tzinfo=None)
    after_local = after_utc.astimezone(tz).replace(tzinfo=None)
    rule = parse_rule(rule_text, anchor_local)
    found = rule.after(after_local, inc=False)
    if found is None:
        return None
    return found.replace(tzinfo=tz).astimezone(UTC)


def validate_rule(rule_text: str) -> None:
    """Raise :class:`ValidationFailed` if ``rule_text`` is not a usable RRULE."""
    parse_rule(rule_text, datetime(2000, 1, 1))
