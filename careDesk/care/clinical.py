"""The clinical record: conditions, medications, allergies, encounters, observations
(``desk.clinical``).

Each kind has add / update / remove (tombstone) / list verbs. Every change needs EDIT, runs in
one transaction, is audited with the names of the fields changed (``condition.add``,
``medication.update``…) and returns an :class:`~careDesk.changes.Outcome` with the row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlmodel import col, select

from careDesk.care.clinical_removal import ENTERED_IN_ERROR, check_reason, take_off
from careDesk.care.forms.base import Form
from careDesk.care.forms.clinical import (
    AllergyCreate,
    AllergyUpdate,
    ConditionCreate,
    ConditionUpdate,
    EncounterCreate,
    EncounterUpdate,
    MedicationCreate,
    MedicationUpdate,
    ObservationCreate,
    ObservationUpdate,
    check_condition,
    check_encounter,
    check_medication,
    check_observation,
    merge_medication,
)
from careDesk.care.verb_kit import add_audited, live, update_audited
from careDesk.changes import Outcome
from careDesk.model.base import Record
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication, Observation
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

R = TypeVar("R", bound=Record)
Data = Form | Mapping[str, Any] | None
_SYSTEM_FIELDS = {"id", "created_at", "updated_at", "changed_by", "version", "deleted_at"}


def length_of_stay(encounter: Encounter) -> int | None:
    """Days from admission to discharge (calendar days in UTC; same day = 0), None if open.

    LACE counts "L" in days (van Walraven 2010, CMAJ 182:551).
    """
    if encounter.end is None:
        return None
    return (encounter.end.date() - encounter.start.date()).days


@dataclass(frozen=True)
class _Entry(Generic[R]):
    """How one kind of clinical entry is stored, validated and ordered."""

    table: type[R]
    create: type[Form]
    update: type[Form]
    kind: str
    what: str
    check: Callable[[dict[str, Any], date], None]
    order: Callable[[], list[Any]]
    # Fields left out of a new record that the check then derives (a medicine's status).
    derived: frozenset[str] = frozenset()
    merge: Callable[[dict[str, Any], Mapping[str, Any], Mapping[str, Any]], None] = (
        lambda _merged, _given, _stored: None
    )


def _no_date(check: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any], date], None]:
    return lambda values, _today: check(values)


CONDITIONS = _Entry(
    Condition,
    ConditionCreate,
    ConditionUpdate,
    "condition",
    "condition",
    _no_date(check_condition),
    lambda: [col(Condition.status), col(Condition.display)],
)
MEDICATIONS = _Entry(
    Medication,
    MedicationCreate,
    MedicationUpdate,
    "medication",
    "medication",
    check_medication,
    lambda: [col(Medication.status), col(Medication.name)],
    derived=frozenset({"status"}),
    merge=merge_medication,
)
ALLERGIES = _Entry(
    Allergy,
    AllergyCreate,
    AllergyUpdate,
    "allergy",
    "allergy",
    lambda _values, _today: None,
    lambda: [col(Allergy.substance)],
)
ENCOUNTERS = _Entry(
    Encounter,
    EncounterCreate,
    EncounterUpdate,
    "encounter",
    "encounter",
    _no_date(check_encounter),
    lambda: [col(Encounter.start).desc()],
)
OBSERVATIONS = _Entry(
    Observation,
    ObservationCreate,
    ObservationUpdate,
    "observation",
    "observation",
    _no_date(check_observation),
    lambda: [col(Observation.effective).desc()],
)


class Clinical:
    """Verbs on a patient's clinical record (``desk.clinical``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- generic verbs ---------------------------------------------------------------------
    def _add(self, entry: _Entry[R], patient_id: str, data: Any, fields: Any) -> Outcome[R]:
        self.desk.require(Permission.EDIT)
        form = entry.create.parse(data, **fields)
        values = form.to_record()
        values.update(dict.fromkeys(entry.derived - form.model_fields_set))
        entry.check(values, date.today())
        with self.desk.writing() as tx:
            live(tx.session, Patient, patient_id, "patient")
            row = entry.table(**(values | {"patient_id": patient_id}))
            add_audited(
                tx,
                f"{entry.kind}.add",
                row,
                kind=entry.kind,
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(row, tx.changes)

    def _update(
        self, entry: _Entry[R], record_id: str, data: Any, fields: Any, action: str = "update"
    ) -> Outcome[R]:
        self.desk.require(Permission.EDIT)
        values = entry.update.parse(data, **fields).changes()
        with self.desk.writing() as tx:
            row = live(tx.session, entry.table, record_id, entry.what)
            stored = row.model_dump(exclude=_SYSTEM_FIELDS)
            merged = stored | values
            entry.merge(merged, values, stored)
            entry.check(merged, date.today())
            patient_id: str = getattr(row, "patient_id")  # noqa: B009
            update_audited(
                tx, f"{entry.kind}.{action}", row, merged, kind=entry.kind, patient_id=patient_id
            )
            return Outcome(row, tx.changes)

    def _remove(
        self, entry: _Entry[R], record_id: str, reason: str = ENTERED_IN_ERROR
    ) -> Outcome[R]:
        """Remove for ``reason`` (``careDesk.care.clinical_removal``): only a mistake deletes;
        a medicine no longer taken is stopped and a condition or allergy resolved, kept."""
        self.desk.require(Permission.EDIT)
        check_reason(entry.kind, reason)
        with self.desk.writing() as tx:
            row = take_off(
                tx, entry.table, entry.kind, record_id, reason, entry.check, date.today()
            )
            return Outcome(cast(R, row), tx.changes)

    def _list(self, entry: _Entry[R], patient_id: str, *where: Any) -> list[R]:
        self.desk.require(Permission.READ)
        column = getattr(entry.table, "patient_id")  # noqa: B009
        query = (
            select(entry.table)
            .where(column == patient_id, col(entry.table.deleted_at).is_(None), *where)
            .order_by(*entry.order())
        )
        with self.desk.reading() as session:
            live(session, Patient, patient_id, "patient")
            return list(session.exec(query))

    # ----- conditions ------------------------------------------------------------------------
    def add_condition(self, patient_id: str, data: Data = None, /, **f: Any) -> Outcome[Condition]:
        """Add a diagnosis (ICD-10-CM and/or SNOMED CT, onset, status, chronic flag)."""
        return self._add(CONDITIONS, patient_id, data, f)

    def update_condition(
        self, record_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Condition]:
        """Change a condition; only the fields given change."""
        return self._update(CONDITIONS, record_id, data, f)

    def remove_condition(
        self, record_id: str, *, reason: str = ENTERED_IN_ERROR
    ) -> Outcome[Condition]:
        """Take a condition off the list: entered in error (tombstone) or resolved (kept, status
        resolved); audited with the reason."""
        return self._remove(CONDITIONS, record_id, reason)

    def conditions(self, patient_id: str) -> list[Condition]:
        """The patient's conditions, active first."""
        return self._list(CONDITIONS, patient_id)

    # ----- medications -----------------------------------------------------------------------
    def add_medication(
        self, patient_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Medication]:
        """Add a medicine with its dose, route, purpose in plain words and structured timing."""
        return self._add(MEDICATIONS, patient_id, data, f)

    def update_medication(
        self, record_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Medication]:
        """Change a medicine; only the fields given change."""
        return self._update(MEDICATIONS, record_id, data, f)

    def stop_medication(self, record_id: str, *, on: date | None = None) -> Outcome[Medication]:
        """Stop a medicine as of ``on`` (default today)."""
        values = {"stop_date": on or date.today(), "status": "stopped"}
        return self._update(MEDICATIONS, record_id, values, {}, action="stop")

    def remove_medication(
        self, record_id: str, *, reason: str = ENTERED_IN_ERROR
    ) -> Outcome[Medication]:
        """Take a medicine off the list: entered in error (tombstone) or no longer taking
        (stopped today, kept in the history); audited with the reason."""
        return self._remove(MEDICATIONS, record_id, reason)

    def medications(self, patient_id: str, *, active_only: bool = False) -> list[Medication]:
        """The patient's medicines, active first (only active ones if asked)."""
        where = [col(Medication.status) == "active"] if active_only else []
        return self._list(MEDICATIONS, patient_id, *where)

    # ----- allergies -------------------------------------------------------------------------
    def add_allergy(self, patient_id: str, data: Data = None, /, **f: Any) -> Outcome[Allergy]:
        """Add an allergy or intolerance (substance, reaction, severity)."""
        return self._add(ALLERGIES, patient_id, data, f)

    def update_allergy(self, record_id: str, data: Data = None, /, **f: Any) -> Outcome[Allergy]:
        """Change an allergy; only the fields given change."""
        return self._update(ALLERGIES, record_id, data, f)

    def remove_allergy(self, record_id: str, *, reason: str = ENTERED_IN_ERROR) -> Outcome[Allergy]:
        """Take an allergy off the list: entered in error (tombstone) or resolved (kept, status
        resolved); audited with the reason."""
        return self._remove(ALLERGIES, record_id, reason)

    def allergies(self, patient_id: str) -> list[Allergy]:
        """The patient's allergies by substance."""
        return self._list(ALLERGIES, patient_id)

    # ----- encounters (utilization) ----------------------------------------------------------
    def add_encounter(self, patient_id: str, data: Data = None, /, **f: Any) -> Outcome[Encounter]:
        """Add an admission (start/end, acute flag), emergency visit or office visit."""
        return self._add(ENCOUNTERS, patient_id, data, f)

    def update_encounter(
        self, record_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Encounter]:
        """Change an encounter (e.g. add the discharge time); only the fields given change."""
        return self._update(ENCOUNTERS, record_id, data, f)

    def remove_encounter(self, record_id: str) -> Outcome[Encounter]:
        """Remove an encounter entered in error (tombstone)."""
        return self._remove(ENCOUNTERS, record_id)

    def encounters(self, patient_id: str, *, kind: str | None = None) -> list[Encounter]:
        """The patient's encounters, newest first (only one ``kind`` if asked)."""
        where = [col(Encounter.kind) == kind] if kind else []
        return self._list(ENCOUNTERS, patient_id, *where)

    # ----- observations ----------------------------------------------------------------------
    def add_observation(
        self, patient_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Observation]:
        """Add a measurement coded with LOINC (value and unit, or a text value)."""
        return self._add(OBSERVATIONS, patient_id, data, f)

    def update_observation(
        self, record_id: str, data: Data = None, /, **f: Any
    ) -> Outcome[Observation]:
        """Change an observation; only the fields given change."""
        return self._update(OBSERVATIONS, record_id, data, f)

    def remove_observation(self, record_id: str) -> Outcome[Observation]:
        """Remove an observation entered in error (tombstone)."""
        return self._remove(OBSERVATIONS, record_id)

    def observations(self, patient_id: str, *, loinc: str | None = None) -> list[Observation]:
        """The patient's observations, newest first (only one LOINC code if asked)."""
        where = [col(Observation.loinc) == loinc] if loinc else []
        return self._list(OBSERVATIONS, patient_id, *where)
