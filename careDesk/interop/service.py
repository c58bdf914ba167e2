"""``desk.interop``: import files and folders, export a patient (FHIR, referral packet, .ics).

Import needs EDIT; every export needs EXPORT and is audited (``export.fhir``, ``export.pdf``,
``export.ics``) with counts only. Exports are written beside the target and renamed into place,
so a failed export never leaves half a file.

Importing many files is a long job: each file is its own transaction (all of it or none), and a
stop through the :class:`~careDesk.ops.Progress` takes effect between files. A single large file
stays one transaction — a save made meanwhile waits for that file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from careDesk.errors import CareDeskError, NotFound
from careDesk.interop.report import ImportReport, Problem
from careDesk.model.patient import Patient
from careDesk.ops import Progress
from careDesk.paths import write_private_atomic
from careDesk.security.passwords import check_password
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

IMPORTABLE = (".json", ".ndjson", ".csv")


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files named, and the importable files inside folders named (sorted, recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.suffix.lower() in IMPORTABLE and p.is_file()
            )
        else:
            found.append(path)
    return found


def write_atomically(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` all or nothing (the store's sibling file and rename); a
    failure is a :class:`CareDeskError` naming the file."""
    try:
        write_private_atomic(target, data)
    except OSError as exc:
        raise CareDeskError(f"cannot write {target}: {exc.strerror}") from None
    return target


class Interop:
    """Import and export for one desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- import -----------------------------------------------------------------------------
    def import_paths(
        self, paths: Sequence[Path], progress: Progress | None = None
    ) -> list[ImportReport]:
        """Import every file (folders expanded); one report per file, each file atomic.

        Stopped through ``progress``, the files imported so far stay imported."""
        self.desk.require(Permission.EDIT)
        files = expand(paths)
        step = progress or Progress()
        reports = []
        for number, path in enumerate(files, start=1):
            step.update(number - 1, len(files), f"Importing {path.name}…")
            reports.append(self.import_file(path))
        step.update(len(files), len(files), "Finishing…")
        return reports

    def import_file(self, path: Path) -> ImportReport:
        """Import one FHIR (``.json``/``.ndjson``) or CSV file by its extension."""
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return self.import_csv(path)
        if suffix in (".json", ".ndjson"):
            from careDesk.interop.fhir_import import FhirImporter

            return FhirImporter(self.desk).import_file(path)
        report = ImportReport(file=path.name, format="unknown")
        report.reject(Problem("file", "file type", "should be .json, .ndjson (FHIR) or .csv"))
        return report

    def import_csv(
        self,
        path: Path,
        mapping: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
        skip_rejected: bool = False,
    ) -> ImportReport:
        """Import a CSV patient list (see :mod:`careDesk.interop.csv_import`)."""
        from careDesk.interop.csv_import import CsvImporter

        return CsvImporter(self.desk).import_file(
            path, mapping, dry_run=dry_run, skip_rejected=skip_rejected
        )

    # ----- export -----------------------------------------------------------------------------
    def find_patient(self, key: str) -> Patient:
        """A patient by careDesk id or MRN."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            found = (
                session.get(Patient, key)
                or session.exec(select(Patient).where(col(Patient.mrn) == key)).first()
            )
        if found is None or found.deleted_at is not None:
            raise NotFound("patient", key)
        return found

    def _bundle(self, key: str) -> tuple[str, dict[str, Any]]:
        from careDesk.interop.fhir_export import patient_bundle

        self.desk.require(Permission.EXPORT)
        patient = self.find_patient(key)
        with self.desk.reading() as session:
            return patient.id, patient_bundle(session, patient)

    def fhir_bundle(self, key: str) -> dict[str, Any]:
        """The patient's FHIR Bundle as JSON data (audited as an export)."""
        patient_id, bundle = self._bundle(key)
        self._audit("export.fhir", patient_id, resources=len(bundle["entry"]))
        return bundle

    def export_fhir(self, key: str, out: Path) -> Path:
        """Write the patient's FHIR Bundle as JSON to ``out`` (audited once written)."""
        patient_id, bundle = self._bundle(key)
        data = json.dumps(bundle, indent=1, ensure_ascii=False).encode("utf-8")
        write_atomically(out, data)
        self._audit("export.fhir", patient_id, resources=len(bundle["entry"]))
        return out

    def export_packet(
        self, key: str, out: Path, *, password: str | None = None, bundle_beside: bool = False
    ) -> tuple[Path, Path | None]:
        """A referral packet: the PDF at ``out`` with the FHIR Bundle attached inside it
        (AES-256 encrypted with the PDF when there is a password, which must be strong).

        A plain ``.json`` copy of the Bundle is written beside it only when the caller asks
        (``bundle_beside``): it is patient data in plain text. Returns the PDF and that copy.
        """
        from careDesk.interop.packet import packet_pdf

        self.desk.require(Permission.EXPORT)
        if password is not None:
            check_password(password, clinic=self._clinic())
        patient = self.find_patient(key)
        _patient_id, bundle = self._bundle(key)
        data = json.dumps(bundle, indent=1, ensure_ascii=False).encode("utf-8")
        with self.desk.reading() as session:
            pdf = packet_pdf(session, patient, data, clinic=self._clinic(), password=password)
        pdf_path = write_atomically(out, pdf)
        self._audit("export.pdf", patient.id, protected=password is not None, bundle="inside")
        if not bundle_beside:
            return pdf_path, None
        return pdf_path, self.export_fhir(key, out.with_suffix(".json"))

    def export_ics(self, key: str, out: Path) -> Path:
        """The patient's upcoming appointments as an iCalendar file."""
        from careDesk.interop.ics import appointments_ics

        self.desk.require(Permission.EXPORT)
        patient = self.find_patient(key)
        with self.desk.reading() as session:
            data, count = appointments_ics(session, patient, clinic=self._clinic())
        self._audit("export.ics", patient.id, appointments=count)
        return write_atomically(out, data)

    def _clinic(self) -> str:
        try:
            return str(self.desk.settings.get("clinic.name") or "")
        except CareDeskError:
            return ""

    def _audit(self, action: str, patient_id: str, **counts: object) -> None:
        with self.desk.writing(Permission.EXPORT) as tx:
            tx.audit(
                action,
                entity="patient",
                entity_id=patient_id,
                patient_id=patient_id,
                detail=dict(counts),
            )
