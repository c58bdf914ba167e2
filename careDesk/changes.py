"""The one "changed" event: what a write touched, so views refresh only what they show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Changes:
    """Kinds of records touched by a write, and which patients they belong to."""

    kinds: set[str] = field(default_factory=set)
    patient_ids: set[str] = field(default_factory=set)
    record_ids: set[str] = field(default_factory=set)

    def add(self, kind: str, record_id: str = "", patient_id: str | None = None) -> None:
        self.kinds.add(kind)
        if record_id:
            self.record_ids.add(record_id)
        if patient_id:
            self.patient_ids.add(patient_id)

    def merge(self, other: Changes) -> None:
        self.kinds |= other.kinds
        self.patient_ids |= other.patient_ids
        self.record_ids |= other.record_ids

    def __bool__(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a verb returns: the resulting plain data and what the write changed."""

    value: T
    changes: Changes
