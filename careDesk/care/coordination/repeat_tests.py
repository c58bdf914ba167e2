"""Repeated tests: a planned lab test that repeats a recent result, or another planned test of
the same measurement, within its usual interval (``intervals.json``), unless a guideline calls
for it as the monitoring after a medicine was started or its dose changed (``monitoring.py``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from careDesk.care.coordination.findings import CoordinationWarning, Source
from careDesk.care.coordination.monitoring import Change, expected
from careDesk.care.coordination.tables import TestInterval, intervals
from careDesk.model.base import aware
from careDesk.model.clinical import Observation
from careDesk.model.fields import NAMED_LOINC, loinc_ok
from careDesk.model.plan import Activity


def planned_day(activity: Activity, today: date) -> date:
    """When an activity is planned for (today when it has no due date)."""
    return activity.due_date or today


def test_codes(activity: Activity) -> list[str]:
    """The LOINC codes a test activity stands for: its ``test_code``, or else the codes its
    description names ("A1c test (LOINC 4548-4)"), as plans made from templates before the
    templates carried codes do."""
    if activity.test_code:
        return [activity.test_code]
    named = NAMED_LOINC.findall(activity.description)
    return [code for code in dict.fromkeys(named) if loinc_ok(code)]


def _tests(acts: list[Activity]) -> list[tuple[Activity, TestInterval]]:
    """Each planned test with its interval row, once per measurement it stands for."""
    table = intervals()
    found: dict[tuple[str, str], tuple[Activity, TestInterval]] = {}
    for act in (a for a in acts if a.kind == "test"):
        for code in test_codes(act):
            row = table.test(code)
            if row is not None:
                found.setdefault((act.id, row.group), (act, row))
    return list(found.values())


def _after_results(
    tests: list[tuple[Activity, TestInterval]],
    obs: list[Observation],
    today: date,
    found: list[Change],
) -> list[CoordinationWarning]:
    table = intervals()
    by_group: dict[str, list[Observation]] = defaultdict(list)
    for o in obs:
        row = table.test(o.loinc)
        if row is not None:
            by_group[row.group].append(o)
    out: list[CoordinationWarning] = []
    for act, row in tests:
        done = by_group.get(row.group)
        if not done:
            continue
        last = max(done, key=lambda o: aware(o.effective))
        when, day = aware(last.effective).date(), planned_day(act, today)
        if (day - when).days >= row.days or expected(row.loinc, day, when, found):
            continue
        out.append(
            CoordinationWarning(
                "repeat_test",
                f'{row.name} planned in "{act.description}" was already done on '
                f'{when.isoformat()} ("{last.display}"), within its usual {row.days}-day '
                "interval.",
                Source("activity", act.id, act.description),
                Source("observation", last.id, last.display),
            )
        )
    return out


def _planned_twice(
    tests: list[tuple[Activity, TestInterval]], today: date, found: list[Change]
) -> list[CoordinationWarning]:
    """Each planned test against the nearest earlier planned test of the same measurement."""
    ordered = sorted(tests, key=lambda t: (planned_day(t[0], today), aware(t[0].created_at)))
    last_of: dict[str, Activity] = {}
    out: list[CoordinationWarning] = []
    for act, row in ordered:
        earlier = last_of.get(row.group)
        last_of[row.group] = act
        if earlier is None:
            continue
        first, day = planned_day(earlier, today), planned_day(act, today)
        if (day - first).days >= row.days or expected(row.loinc, day, first, found):
            continue
        out.append(
            CoordinationWarning(
                "repeat_test",
                f'{row.name} planned in "{act.description}" (for {day.isoformat()}) repeats '
                f'"{earlier.description}" (for {first.isoformat()}), within its usual '
                f"{row.days}-day interval.",
                Source("activity", act.id, act.description),
                Source("activity", earlier.id, earlier.description),
            )
        )
    return out


def repeat_tests(
    acts: list[Activity], obs: list[Observation], today: date, found: list[Change]
) -> list[CoordinationWarning]:
    """Planned tests repeating a recent result or another planned test (open activities)."""
    tests = _tests(acts)
    return [*_after_results(tests, obs, today, found), *_planned_twice(tests, today, found)]
