"""What a coordination check reports: a warning naming both records involved."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One side of a warning: what record it is and how a person would recognise it."""

    kind: str  # activity, observation, appointment, medication
    id: str
    label: str


@dataclass(frozen=True)
class CoordinationWarning:
    """A coordination problem, naming both records involved."""

    kind: str  # repeat_test, repeat_visit, same_ingredient, dose_conflict
    message: str
    first: Source
    second: Source
