"""FHIR R4 import: a file (Bundle or ``.ndjson``) in one transaction, or nothing at all.

Each supported resource is first checked against its ``fhir.resources`` R4B model (so a wrong
type anywhere is reported with its FHIR path), then mapped to careDesk records. Resource types
careDesk does not keep (Claim, Immunization…) are counted and skipped. Any problem rolls the
whole file back; the report names the file, the resource (type, entry number, id) and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from careDesk.care.forms.base import plain_reason
from careDesk.desk import Desk
from careDesk.interop import fhir_clinical, fhir_events, fhir_people, fhir_phq9, fhir_plans
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry, parse_entries, read_entries
from careDesk.interop.fhir_values import Place
from careDesk.interop.report import ImportRejected, ImportReport, Problem
from careDesk.security.roles import Permission

Mapper = Callable[[ImportContext, Entry, Place], None]

# In dependency order: who (organizations, practitioners, patients) before what refers to them.
MAPPERS: dict[str, Mapper] = {
    "Organization": fhir_people.map_organization,
    "Practitioner": fhir_people.map_practitioner,
    "Patient": fhir_people.map_patient,
    "RelatedPerson": fhir_people.map_related_person,
    "Encounter": fhir_events.map_encounter,
    "Condition": fhir_clinical.map_condition,
    "MedicationRequest": fhir_clinical.map_medication,
    "MedicationStatement": fhir_clinical.map_medication,
    "AllergyIntolerance": fhir_clinical.map_allergy,
    "Observation": fhir_events.map_observation,
    "QuestionnaireResponse": fhir_phq9.read_response,
    "CarePlan": fhir_plans.map_care_plan,
    "Goal": fhir_plans.map_goal,
    "CareTeam": fhir_people.map_care_team,
    "Appointment": fhir_plans.map_appointment,
}
ORDER = {name: i for i, name in enumerate(MAPPERS)}
NOT_FHIR = "not a FHIR R4 type"


def _validate(entry: Entry, place: Place) -> None:
    """Check the resource against its R4B model; the first error names its FHIR path."""
    from fhir.resources.R4B import get_fhir_model_class

    model: Any = get_fhir_model_class(entry.type)
    try:
        model.model_validate(fhir_phq9.lenient(entry.resource))
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error["loc"]) or "resource"
        raise place.reject(path, plain_reason(error)[:160]) from None
    except (ValueError, TypeError, RecursionError) as exc:  # model internals on odd input
        raise place.reject("resource", f"does not fit FHIR R4 ({type(exc).__name__})") from None


@cache
def _type_label(name: str) -> str:
    """The type name for counts, when it is a FHIR type (a file's made-up names stay out)."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(name)
    except (ValueError, KeyError, AttributeError, ImportError):
        return NOT_FHIR
    return name


def map_entries(ctx: ImportContext, entries: list[Entry]) -> None:
    """Validate and map every supported resource, in dependency order."""
    ctx.entries = entries
    supported = [e for e in entries if e.type in MAPPERS]
    for entry in entries:
        if entry.type not in MAPPERS:
            ctx.report.skipped[_type_label(entry.type)] += 1
    for entry in sorted(supported, key=lambda e: (ORDER[e.type], e.index)):
        place = Place(ctx.report.file, entry.where)
        if entry.type == "QuestionnaireResponse" and not fhir_phq9.is_phq9(ctx, entry.resource):
            ctx.report.skipped[entry.type] += 1  # only PHQ-9 answers are kept (item by item)
            continue
        _validate(entry, place)
        MAPPERS[entry.type](ctx, entry, place)
    for step in ctx.finally_:
        step()


class FhirImporter:
    """Imports FHIR files for a desk, one transaction per file."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def import_file(self, path: Path) -> ImportReport:
        """Import one ``.json``/``.ndjson`` file; a rejected file changes nothing."""
        report = ImportReport(file=path.name, format="fhir")
        try:
            entries = read_entries(path)
        except ImportRejected as exc:
            return self._rejected(report, exc)
        return self.import_entries(entries, report)

    def import_bytes(self, raw: bytes, name: str, *, ndjson: bool = False) -> ImportReport:
        """Import file content already in memory (the import dialog, tests)."""
        report = ImportReport(file=name, format="fhir")
        try:
            entries = parse_entries(raw, name, ndjson=ndjson)
        except ImportRejected as exc:
            return self._rejected(report, exc)
        return self.import_entries(entries, report)

    def import_entries(self, entries: list[Entry], report: ImportReport) -> ImportReport:
        """Map parsed entries in one transaction with one ``import.fhir`` audit event."""
        self.desk.require(Permission.EDIT)
        try:
            with self.desk.writing(Permission.EDIT) as tx:
                # Rows of one file refer to each other (goal → problem → plan); the unit of work
                # does not order inserts by foreign key, so the check waits for the commit.
                tx.session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                ctx = ImportContext(tx, report)
                map_entries(ctx, entries)
                report.patient_ids = list(ctx.patients)
                only = ctx.patients[0] if len(ctx.patients) == 1 else None
                tx.audit("import.fhir", entity="file", patient_id=only, detail=report.counts())
        except ImportRejected as exc:
            return self._rejected(report, exc)
        except IntegrityError:  # e.g. a changed MRN that another patient already has
            reason = "conflicts with records already in careDesk (such as an MRN in use)"
            return self._rejected(report, ImportRejected(report.file, "file", "records", reason))
        return report

    def _rejected(self, report: ImportReport, exc: ImportRejected) -> ImportReport:
        report.reject(Problem(exc.where, exc.field, exc.reason))
        report.patient_ids = []
        with self.desk.writing(Permission.EDIT) as tx:
            tx.audit("import.rejected", entity="file", detail={"format": report.format})
        return report
