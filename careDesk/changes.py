"""The one "changed" event: what a write touched, so views refresh only what they show.

A change names the *kind* of record it touched with :class:`Kind`, one member per table, whose
value is the table's name. The same name is the audit trail's entity, the change notice's kind
and sync's table name (``careDesk/sync/tables.py``), so a pulled row and a typed edit of the same
record reach the screens alike. ``tests/careDesk/test_changes.py`` checks that every table has a
kind and every kind a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Kind(StrEnum):
    """The kinds of record a write can touch: one per table, valued with the table's name."""

    ACTIVITY = "activity"
    ALERT = "alert"
    ALLERGY = "allergy"
    APPOINTMENT = "appointment"
    AUDIT_EVENT = "audit_event"
    CARE_PLAN = "care_plan"
    CARE_TEAM_MEMBER = "care_team_member"
    COMMUNITY_RESOURCE = "community_resource"
    CONDITION = "condition"
    ENCOUNTER = "encounter"
    FAMILY_MEMBER = "family_member"
    FOLLOW_UP = "follow_up"
    GOAL = "goal"
    GOAL_PROGRESS = "goal_progress"
    HANDOUT_PREFERENCE = "handout_preference"
    MEDICATION = "medication"
    INBOUND_MESSAGE = "inbound_message"
    OBSERVATION = "observation"
    ORGANIZATION = "organization"
    OPT_OUT = "opt_out"
    OUTBOX_MESSAGE = "outbox_message"
    PATIENT = "patient"
    PLAN_TEMPLATE = "plan_template"
    PLAN_VERSION = "plan_version"
    PROBLEM = "problem"
    PROVIDER = "provider"
    REFERRAL = "referral"
    REFERRAL_STEP = "referral_step"
    RESOURCE_REFERRAL = "resource_referral"
    REGISTRY_ENTRY = "registry_entry"
    RISK_SCORE = "risk_score"
    SCREENER_RESULT = "screener_result"
    SETTING = "setting"
    SOURCE_LINK = "source_link"
    SUGGESTION_DECISION = "suggestion_decision"
    SYNC_CONFLICT = "sync_conflict"
    SYNC_OUTBOX = "sync_outbox"
    SYNC_STATE = "sync_state"
    TIME_ENTRY = "time_entry"
    TIMELINE_ENTRY = "timeline_entry"
    TRANSITION = "transition"
    USER_ACCOUNT = "user_account"

    @classmethod
    def named(cls, name: str) -> Kind:
        """The kind called ``name`` (a table name); :class:`UnknownKind` for any other word.

        Four older short names (``timeline``, ``screener``, ``message``, ``user``) still reach
        here from verbs written before the kinds were typed; they map to their table's kind
        until those verbs pass a :class:`Kind` themselves (``Tx.add(kind=…)``).
        """
        if name in _OLD_NAMES:
            return _OLD_NAMES[name]
        try:
            return cls(name)
        except ValueError:
            raise UnknownKind(name) from None


class UnknownKind(ValueError):
    """A change named a kind of record that is no table: a bug in the verb that wrote it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no kind of record is called {name!r}")
        self.name = name


_OLD_NAMES: dict[str, Kind] = {
    "timeline": Kind.TIMELINE_ENTRY,
    "screener": Kind.SCREENER_RESULT,
    "message": Kind.OUTBOX_MESSAGE,
    "user": Kind.USER_ACCOUNT,
}


def record_name(entity: str) -> str:
    """The one name of a record kind for an audit entity: an older short name becomes its
    table's (``timeline`` → ``timeline_entry``); any other entity (a file, a document) stays."""
    kind = _OLD_NAMES.get(entity)
    return kind.value if kind is not None else entity


def kinds(*members: Kind) -> frozenset[Kind]:
    """A set of kinds, for a page's or tab's ``watches``."""
    return frozenset(members)


@dataclass
class Changes:
    """Kinds of records touched by a write, and which patients they belong to."""

    kinds: set[Kind] = field(default_factory=set)
    patient_ids: set[str] = field(default_factory=set)
    record_ids: set[str] = field(default_factory=set)
    #: (kind, patient) pairs: which kinds changed for which patient.
    by_patient: set[tuple[Kind, str]] = field(default_factory=set)
    #: Some change was declared without its patient (a setting, a bulk load, a plan template).
    unscoped: bool = False

    def add(self, kind: Kind | str, record_id: str = "", patient_id: str | None = None) -> None:
        """Record that a record of ``kind`` (of ``patient_id``, if any) changed."""
        typed = kind if isinstance(kind, Kind) else Kind.named(kind)
        self.kinds.add(typed)
        if record_id:
            self.record_ids.add(record_id)
        if patient_id:
            self.patient_ids.add(patient_id)
            self.by_patient.add((typed, patient_id))
        else:
            self.unscoped = True

    def merge(self, other: Changes) -> None:
        """Fold another write's changes into these."""
        self.kinds |= other.kinds
        self.patient_ids |= other.patient_ids
        self.record_ids |= other.record_ids
        self.by_patient |= other.by_patient
        self.unscoped = self.unscoped or other.unscoped

    def touches(self, watched: Iterable[Kind], patient_id: str) -> bool:
        """Whether a record of one of the ``watched`` kinds changed for ``patient_id``."""
        return any((kind, patient_id) in self.by_patient for kind in watched)

    def patients_only(self) -> frozenset[str] | None:
        """The patients whose records changed, when every change was declared with its
        patient; None when one was not, or nothing was declared."""
        if not self.kinds or self.unscoped:
            return None
        return frozenset(self.patient_ids)

    def __bool__(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a verb returns: the resulting plain data and what the write changed."""

    value: T
    changes: Changes
