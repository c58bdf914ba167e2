"""CSV import of patient lists: a column mapping, a dry run, and a report of rejected rows.

Rows are numbered as a spreadsheet shows them (the header is row 1). A file is all or nothing:
with any rejected row nothing is imported, unless the caller asks to skip rejected rows. Text is
read as UTF-8 (with or without a byte-order mark), else as Latin-1 with a note in the report.

A CSV carries patient lists only, never screener answers: a column that looks like one (any
instrument of the registry by name or LOINC code, a question 9 or self-harm answer) refuses the
file, because a
PHQ-9 item 9 answer ≥ 1 needs same-day follow-up (Kroenke 2001, J Gen Intern Med 16:606) and
must not be dropped unseen. Other columns careDesk does not keep are named in a note.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from careDesk.care.instruments import all_instruments
from careDesk.desk import Desk
from careDesk.interop.identity import Identity, identity_conflict
from careDesk.interop.report import ImportRejected, ImportReport, Problem
from careDesk.model.fields import (
    check_email,
    check_phone,
    languages,
    parse_birth_date,
    phone_digits,
)
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission
from careDesk.text import clean_text

# target field → (max length, required)
FIELDS: dict[str, tuple[int, bool]] = {
    "mrn": (40, True),
    "given_name": (100, True),
    "family_name": (100, True),
    "birth_date": (10, True),
    "preferred_name": (100, False),
    "sex": (20, False),
    "language": (10, False),
    "phone": (40, False),
    "email": (200, False),
    "address_line": (200, False),
    "city": (100, False),
    "state": (40, False),
    "postal_code": (20, False),
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "mrn": ("mrn", "medicalrecordnumber", "recordnumber", "patientid", "chartnumber"),
    "given_name": ("givenname", "given", "firstname", "first", "forename"),
    "family_name": ("familyname", "family", "lastname", "last", "surname"),
    "birth_date": ("birthdate", "dateofbirth", "dob", "born"),
    "preferred_name": ("preferredname", "nickname", "knownas"),
    "sex": ("sex", "gender"),
    "language": ("language", "preferredlanguage", "lang"),
    "phone": ("phone", "phonenumber", "telephone", "mobile", "cell"),
    "email": ("email", "emailaddress", "mail"),
    "address_line": ("address", "addressline", "street", "streetaddress"),
    "city": ("city", "town"),
    "state": ("state", "province", "region"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode"),
}
SEX_WORDS = {"f": "female", "female": "female", "w": "female", "woman": "female",
             "m": "male", "male": "male", "man": "male", "other": "other", "x": "other",
             "u": "unknown", "unknown": "unknown", "": "unknown"}  # fmt: skip
LANGUAGE_WORDS = {"english": "en", "spanish": "es", "español": "es", "espanol": "es",
                  "vietnamese": "vi", "tiếng việt": "vi", "chinese": "zh", "french": "fr",
                  "portuguese": "pt", "russian": "ru", "arabic": "ar", "korean": "ko",
                  "tagalog": "tl", "haitian creole": "ht"}  # fmt: skip
MAX_FIELD = 100_000
# Header words (lower case, letters and digits only) that name screener answers whatever the
# instrument: self-harm and question 9 above all. Each instrument's own names and LOINC codes
# (panel, total, items) come from the instrument registry (``_screener_header``).
SCREENER_WORDS = (
    r"phq|suicid|selfharm|harmyourself|hurtyourself|hurtingyourself|betteroffdead"
    r"|depression(score|screen)|anxiety(score|screen)|^(item|question|q)9$"
)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@cache
def _screener_header() -> re.Pattern[str]:
    """Screener words, plus every instrument's id, short name and LOINC codes (written without
    punctuation: 44260-8 → 442608), so a new instrument's columns are refused too."""
    names: set[str] = set()
    for inst in all_instruments():
        names |= {_norm(inst.id), _norm(inst.short_name)}
        names |= {_norm(c) for c in (inst.loinc_panel, inst.loinc_total) if c}
        names |= {_norm(item.loinc) for item in inst.items}
    return re.compile("|".join([SCREENER_WORDS, *sorted(map(re.escape, names))]))


def screener_columns(headers: list[str]) -> list[str]:
    """Headers that look like screener answers, which a patient list cannot import."""
    return [h for h in headers if _screener_header().search(_norm(h))]


def default_mapping(headers: list[str]) -> dict[str, str]:
    """Target field → CSV header, guessed from the header names (case and spaces ignored)."""
    by_norm = {_norm(h): h for h in headers}
    mapping: dict[str, str] = {}
    for target, names in SYNONYMS.items():
        for name in names:
            if name in by_norm:
                mapping[target] = by_norm[name]
                break
    return mapping


def decode_csv(raw: bytes, report: ImportReport) -> str:
    """UTF-8 (BOM allowed), else Latin-1 with a note (every byte is valid Latin-1)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notes.append("The file is not UTF-8; it was read as Latin-1 (ISO 8859-1).")
        return raw.decode("latin-1")


@dataclass
class RowPlan:
    """What one valid row will do."""

    row: int
    values: dict[str, Any]


def _clean(target: str, raw: str) -> Any:
    # Control and invisible format characters are removed; only the address keeps its lines.
    value = clean_text(raw, multiline=target == "address_line").strip()
    limit, required = FIELDS[target]
    if required and not value:
        raise ValueError("is empty")
    if target == "birth_date":
        return parse_birth_date(value)
    if target == "phone" and value:
        check_phone(value)
    if target == "email" and value:
        check_email(value)
    if target == "sex":
        if value.lower() not in SEX_WORDS:
            raise ValueError("should be female, male, other or unknown")
        return SEX_WORDS[value.lower()]
    if target == "language" and value:
        value = LANGUAGE_WORDS.get(value.lower(), value.lower().split("-")[0])
        if value not in languages():
            raise ValueError("should be a language code such as en, es or vi")
    if len(value) > limit:
        raise ValueError(f"is longer than {limit} characters")
    return value or None


def _rows(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            if any(len(cell) > MAX_FIELD for cell in row):
                raise ImportRejected(
                    name, f"row {number}", "cell", "is larger than 100,000 characters"
                )
            rows.append((number, row))
    except csv.Error as exc:
        raise ImportRejected(
            name, f"row {number + 1}", "quoting", f"cannot be read ({exc})"
        ) from None
    if not rows:
        raise ImportRejected(name, "row 1", "header", "the file is empty")
    return rows[0][1], [(n, r) for n, r in rows[1:] if any(cell.strip() for cell in r)]


def _refuse_screeners(headers: list[str], name: str) -> None:
    found = screener_columns(headers)
    if found:
        raise ImportRejected(
            name,
            "row 1",
            found[0],
            "looks like screener answers, which a CSV patient list cannot import (a PHQ-9 "
            "question 9 answer needs same-day follow-up): import screeners as FHIR or enter "
            "them on the chart, and remove the column to import the list",
        )


def _chunks(mrns: list[str], size: int = 500) -> Iterator[list[str]]:
    """MRNs a few hundred at a time, well under SQLite's limit on bound parameters."""
    for start in range(0, len(mrns), size):
        yield mrns[start : start + size]


class CsvImporter:
    """Imports a CSV patient list for a desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def import_file(
        self,
        path: Path,
        mapping: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
        skip_rejected: bool = False,
    ) -> ImportReport:
        """Import (or with ``dry_run`` only assess) one CSV file; see the module docstring."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            report = ImportReport(file=path.name, format="csv", dry_run=dry_run)
            report.reject(Problem("file", "file", f"cannot be read ({exc.strerror})"))
            return report
        return self.import_bytes(
            raw, path.name, mapping, dry_run=dry_run, skip_rejected=skip_rejected
        )

    def import_bytes(
        self,
        raw: bytes,
        name: str,
        mapping: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
        skip_rejected: bool = False,
    ) -> ImportReport:
        """Import CSV content already in memory."""
        self.desk.require(Permission.EDIT)
        report = ImportReport(file=name, format="csv", dry_run=dry_run)
        try:
            headers, rows = _rows(decode_csv(raw, report), name)
            _refuse_screeners(headers, name)
            chosen = self._mapping(headers, mapping, name)
        except ImportRejected as exc:
            report.reject(Problem(exc.where, exc.field, exc.reason))
            return report
        unused = [h for i, h in enumerate(headers) if i not in chosen.values() and h.strip()]
        if unused:
            report.notes.append(f"Columns not imported (no patient field): {', '.join(unused)}.")
        plans = self._plan(headers, rows, chosen, report)
        if report.problems and not skip_rejected:
            report.accepted = False  # a dry run keeps its counts: what the valid rows would do
            if not dry_run:
                report.created.clear()
                report.updated.clear()
            return report
        if not dry_run:
            self._write(plans, report)
        return report

    def _mapping(
        self, headers: list[str], mapping: Mapping[str, str] | None, name: str
    ) -> dict[str, int]:
        chosen = dict(mapping) if mapping is not None else default_mapping(headers)
        index: dict[str, int] = {}
        for target, header in chosen.items():
            if target not in FIELDS:
                raise ImportRejected(
                    name, "mapping", target, "is not a patient field careDesk imports"
                )
            if header not in headers:
                raise ImportRejected(name, "row 1", header, "no such column in the header")
            index[target] = headers.index(header)
        missing = [t for t, (_, required) in FIELDS.items() if required and t not in index]
        if missing:
            raise ImportRejected(name, "row 1", ", ".join(missing), "no column is mapped to it")
        return index

    def _plan(
        self,
        headers: list[str],
        rows: list[tuple[int, list[str]]],
        index: dict[str, int],
        report: ImportReport,
    ) -> list[RowPlan]:
        plans: list[RowPlan] = []
        seen: set[str] = set()
        for number, row in rows:
            values: dict[str, Any] = {}
            problem = None
            for target, position in index.items():
                raw = row[position] if position < len(row) else ""
                try:
                    values[target] = _clean(target, raw)
                except ValueError as exc:
                    problem = Problem(f"row {number}", headers[position], str(exc))
                    break
            if problem is None and values["mrn"] in seen:
                problem = Problem(
                    f"row {number}", headers[index["mrn"]], "the same MRN is on an earlier row"
                )
            if problem is not None:
                report.problems.append(problem)
                continue
            seen.add(values["mrn"])
            if values.get("phone") is not None or "phone" in index:
                values["phone_digits"] = phone_digits(values.get("phone"))
            plans.append(RowPlan(number, values))
        existing = self._existing([p.values["mrn"] for p in plans])
        matched: list[RowPlan] = []
        for plan in plans:
            on_file = existing.get(plan.values["mrn"])
            conflict = on_file and identity_conflict(on_file, plan.values)
            if conflict:  # an MRN typed wrong must not change another patient
                column = headers[index["mrn"]]
                report.problems.append(Problem(f"row {plan.row}", column, conflict))
                continue
            report.updated["patient"] += on_file is not None
            report.created["patient"] += on_file is None
            matched.append(plan)
        return matched

    def _existing(self, mrns: list[str]) -> dict[str, Identity]:
        """Who each MRN already in the vault belongs to."""
        found: dict[str, Identity] = {}
        with self.desk.reading() as session:
            for chunk in _chunks(mrns):
                query = select(Patient).where(col(Patient.mrn).in_(chunk))
                found.update(
                    (p.mrn, Identity(p.birth_date, p.given_name, p.family_name))
                    for p in session.exec(query)
                )
        return found

    def _write(self, plans: list[RowPlan], report: ImportReport) -> None:
        report.created.clear()
        report.updated.clear()
        with self.desk.writing(Permission.EDIT) as tx:
            # One query per chunk of MRNs, not one per row (MRNs are unique within a file).
            known: dict[str, Patient] = {}
            for chunk in _chunks([plan.values["mrn"] for plan in plans]):
                query = select(Patient).where(col(Patient.mrn).in_(chunk))
                known.update((p.mrn, p) for p in tx.session.exec(query))
            for plan in plans:
                values = plan.values
                found = known.get(values["mrn"])
                if found is None:
                    patient = tx.add(Patient(**values), kind="patient")
                    tx.changes.add("patient", patient.id, patient.id)
                    report.created["patient"] += 1
                    report.patient_ids.append(patient.id)
                    continue
                changed = {
                    k: v for k, v in values.items() if v is not None and getattr(found, k) != v
                }
                for key, value in changed.items():
                    setattr(found, key, value)
                if changed:
                    tx.touch(found, kind="patient", patient_id=found.id)
                    report.updated["patient"] += 1
                else:
                    report.unchanged["patient"] += 1
                report.patient_ids.append(found.id)
            tx.audit("import.csv", entity="file", detail=report.counts())
