"""State of one FHIR file's import: reference resolution and update-or-create by source id.

Re-importing a resource finds the record it made before — by ``source_id`` (``Type/id``), or by
the local id when the file is careDesk's own export — and updates it instead of adding another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import SQLModel, col, select

from careDesk.desk import Tx
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import Place, ref_keys, reference
from careDesk.interop.report import ImportReport
from careDesk.model.base import Record, stable_id
from careDesk.model.interop import SourceLink
from careDesk.model.patient import Patient

R = TypeVar("R", bound=Record)


class ImportContext:
    """The transaction, the report and what this file's references point to."""

    def __init__(self, tx: Tx, report: ImportReport) -> None:
        self.tx = tx
        self.report = report
        self.refs: dict[str, str] = {}  # reference key → local id
        self.labels: dict[str, str] = {}  # reference key → name (organizations, practitioners)
        self._rows: dict[tuple[type[Any], str], dict[str, Any]] = {}
        self._links: dict[tuple[str, str], dict[str, SourceLink]] = {}
        self.patients: list[str] = []
        self.team: dict[str, set[str]] = {}  # patient id → provider ids on their care team
        self.goal_homes: dict[str, tuple[str, str]] = {}  # goal ref → (plan id, problem id)
        self._claimed: set[str] = set()  # records matched by natural keys in this file
        self.plan_problems: dict[str, list[str]] = {}  # plan id → problem ids in order
        self.finally_: list[Callable[[], None]] = []  # run once every resource is mapped
        self.entries: list[Entry] = []  # the whole file (e.g. a Questionnaire its answers name)
        self.collected: dict[str, Any] = {}  # pieces joined after mapping (PHQ-9 responses)

    # ----- references --------------------------------------------------------------------------
    def bind(self, entry: Entry, local_id: str, name: str | None = None) -> None:
        """Remember that ``entry`` became ``local_id`` (for references later in the file)."""
        keys = [entry.source_id]
        if entry.full_url:
            keys += ref_keys(entry.full_url)
        for key in keys:
            self.refs[key] = local_id
            if name:
                self.labels[key] = name

    def resolve(self, value: Any, place: Place, field: str) -> str | None:
        """The local id a Reference points to within this file, if any."""
        ref = reference(value, place, field)
        if ref is None:
            return None
        for key in ref_keys(ref):
            if key in self.refs:
                return self.refs[key]
        return None

    def label(self, value: Any, place: Place, field: str) -> str | None:
        """The name of what a Reference points to: its display, else the resource in the file."""
        display = value.get("display") if isinstance(value, dict) else None
        if isinstance(display, str) and display.strip():
            return display.strip()[:200]
        ref = reference(value, place, field)
        for key in ref_keys(ref) if ref else []:
            if key in self.labels:
                return self.labels[key]
        return None

    def patient_id(self, resource: dict[str, Any], place: Place, field: str) -> str:
        """The patient a resource belongs to: in this file, or already in careDesk."""
        value = resource.get(field)
        if value is None:
            raise place.reject(field, "is missing (which patient is this about?)")
        found = self.resolve(value, place, field)
        if found:
            return found
        ref = reference(value, place, field) or ""
        keys = ref_keys(ref)
        if ref.startswith("urn:uuid:"):  # a bundle-local id: the same id may be in careDesk
            keys.append("Patient/" + ref.removeprefix("urn:uuid:"))
        for key in keys:
            if key.startswith("Patient/"):
                local = key.removeprefix("Patient/")
                row = self.tx.session.exec(
                    select(Patient.id).where(
                        (col(Patient.source_id) == key) | (col(Patient.id) == local)
                    )
                ).first()
                if row:
                    self.refs[ref] = row
                    return row
        raise place.reject(
            field, "refers to a patient that is neither in this file nor in careDesk"
        )

    # ----- update or create --------------------------------------------------------------------
    def _patient_rows(self, model: type[R], patient_id: str) -> dict[str, R]:
        key = (model, patient_id)
        if key not in self._rows:
            rows = self.tx.session.exec(
                select(model).where(col(model.patient_id) == patient_id)  # type: ignore[attr-defined]
            ).all()
            index: dict[str, Any] = {}
            for row in rows:
                index[f"id:{row.id}"] = row
                source = getattr(row, "source_id", None)
                if source:
                    index[f"src:{source}"] = row
            self._rows[key] = index
        return self._rows[key]

    def upsert(
        self,
        model: type[R],
        entry: Entry,
        patient_id: str,
        values: dict[str, Any],
        *,
        part: str = "",
        record_id: str | None = None,
    ) -> R:
        """Update the record ``entry`` made before, or create it (tables with ``source_id``).

        ``part`` tells apart several records made from one resource (Observation components);
        ``record_id`` is a part's own id when the file gives one (careDesk's export does).
        """
        rows = self._patient_rows(model, patient_id)
        source_id = f"{entry.source_id}#{part}"[:200] if part else entry.source_id
        found = rows.get(f"src:{source_id}")
        if found is None and not part:
            found = rows.get(f"id:{entry.resource.get('id')}")
        if found is None and record_id:
            found = rows.get(f"id:{record_id}")
        if found is None:
            record = model(**{"patient_id": patient_id, "source_id": source_id, **values})
            rows[f"src:{source_id}"] = record
            return self.created(record, patient_id)
        return self.apply(found, values, patient_id)

    def upsert_linked(
        self,
        model: type[R],
        entry: Entry,
        patient_id: str,
        values: dict[str, Any],
        *,
        part: str = "",
        natural: tuple[str, ...] = (),
        key: str | None = None,
    ) -> R:
        """Update or create a record of a table without ``source_id`` (kept in SourceLink).

        Parts of a resource (a plan's problems, its activities) have no id of their own: when
        no link knows them, ``natural`` names the fields that identify one (e.g. plan and
        description), so re-importing careDesk's own export finds the record it came from.
        ``key`` replaces the source id for a record made from several resources at once.
        """
        kind = str(model.__tablename__)
        links = self._link_index(kind, patient_id)
        source_id = f"{entry.source_id}#{part}"[:200] if part else entry.source_id
        source_id = key[:200] if key else source_id
        link = links.get(source_id)
        found: R | None = None
        if link is not None:
            found = self.tx.session.get(model, link.record_id)
        if found is None and not part and not key:
            own = self.tx.session.get(model, str(entry.resource.get("id", "")))
            if own is not None and getattr(own, "patient_id", None) == patient_id:
                found = own
        if found is None and natural:
            found = self._natural(model, patient_id, {k: values[k] for k in natural})
        if found is not None:
            self._claimed.add(found.id)
            return self.apply(found, values, patient_id)
        record = model(**{"patient_id": patient_id, **values})
        self.created(record, patient_id)
        self._claimed.add(record.id)
        new_link = SourceLink(
            id=stable_id("source_link", kind, patient_id, source_id),
            kind=kind,
            patient_id=patient_id,
            source_id=source_id,
            record_id=record.id,
        )
        self.tx.add(new_link, kind="source_link", patient_id=patient_id)
        links[source_id] = new_link
        return record

    def _natural(self, model: type[R], patient_id: str, keys: dict[str, Any]) -> R | None:
        query = select(model).where(col(model.patient_id) == patient_id)  # type: ignore[attr-defined]
        for name, value in keys.items():
            column = col(getattr(model, name))
            query = query.where(column.is_(None) if value is None else column == value)
        rows = self.tx.session.exec(query.where(col(model.deleted_at).is_(None))).all()
        return next((row for row in rows if row.id not in self._claimed), None)

    def _link_index(self, kind: str, patient_id: str) -> dict[str, SourceLink]:
        key = (kind, patient_id)
        if key not in self._links:
            rows = self.tx.session.exec(
                select(SourceLink).where(
                    (col(SourceLink.kind) == kind) & (col(SourceLink.patient_id) == patient_id)
                )
            ).all()
            self._links[key] = {row.source_id: row for row in rows}
        return self._links[key]

    def created(self, record: R, patient_id: str | None) -> R:
        """Add a new record and count it."""
        kind = str(getattr(type(record), "__tablename__", type(record).__name__))
        self.report.created[kind] += 1
        return self.tx.add(record, kind=kind, patient_id=patient_id)

    def apply(self, record: R, values: dict[str, Any], patient_id: str | None) -> R:
        """Set changed fields on an existing record (a new version only if something changed)."""
        kind = str(getattr(type(record), "__tablename__", type(record).__name__))
        if record.deleted_at is not None:
            self.report.unchanged[kind] += 1  # deleted in careDesk: an import does not revive it
            return record
        changed = False
        for name, value in values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            self.report.updated[kind] += 1
            return self.tx.touch(record, kind=kind, patient_id=patient_id)
        self.report.unchanged[kind] += 1
        return record

    def find_global(self, model: type[R], entry: Entry) -> R | None:
        """A record of a shared table (provider, organization) by source id or own id."""
        by_source = self.tx.session.exec(
            select(model).where(col(model.source_id) == entry.source_id)  # type: ignore[attr-defined]
        ).first()
        if by_source is not None:
            return by_source
        own = entry.resource.get("id")
        return self.tx.session.get(model, own) if isinstance(own, str) else None


def table_of(model: type[SQLModel]) -> str:
    """The table name of a model (the ``kind`` in change summaries and reports)."""
    return str(model.__tablename__)
