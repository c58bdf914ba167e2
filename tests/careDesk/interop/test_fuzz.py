"""Bad input never crashes an importer and never half-imports, found by Hypothesis
(docs/architecture.md#reliability-promises).

Each example goes through the real importer on the real encrypted vault; after a rejected file
every table holds exactly what it held before, and the report names a place.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from careDesk.desk import Desk
from careDesk.interop.csv_import import CsvImporter
from careDesk.interop.fhir_import import FhirImporter
from careDesk.interop.report import ImportReport
from careDesk.model.clinical import Condition, Encounter, Medication, Observation
from careDesk.model.patient import Patient

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PID = "33333333-3333-4333-8333-333333333333"
SUBJECT = {"reference": f"urn:uuid:{PID}"}
RESOURCES: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": PID, "name": [{"family": "Fuzz", "given": ["Ana"]}],
     "birthDate": "1950-01-02", "gender": "female",
     "telecom": [{"system": "phone", "value": "555-0100"}]},
    {"resourceType": "Condition", "id": "c1", "subject": SUBJECT,
     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}],
              "text": "Hypertension"}, "onsetDateTime": "2001-02-03"},
    {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
     "subject": SUBJECT, "medicationCodeableConcept": {"text": "Lisinopril 10 MG"},
     "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                            "asNeededBoolean": False}]},
    {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": SUBJECT,
     "class": {"code": "IMP"}, "period": {"start": "2020-01-01T10:00:00Z",
                                          "end": "2020-01-03T10:00:00Z"}},
    {"resourceType": "Observation", "id": "o1", "status": "final", "subject": SUBJECT,
     "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
     "effectiveDateTime": "2020-01-02", "valueQuantity": {"value": 12}},
]  # fmt: skip
TABLES = (Patient, Condition, Medication, Encounter, Observation)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
huge = st.integers(min_value=300, max_value=200_000).map(lambda n: "x" * n)


def _counts(desk: Desk) -> list[int]:
    with desk.reading() as session:
        return [int(session.exec(select(func.count()).select_from(t)).one()) for t in TABLES]


def _check(desk: Desk, before: list[int], report: ImportReport) -> None:
    if report.accepted:
        return
    assert _counts(desk) == before, "a rejected file left rows behind"
    problem = report.problems[0]
    assert problem.where or problem.field, "the report names no place"
    assert report.line().startswith(report.file)


def _bundle(resources: list[dict[str, Any]]) -> bytes:
    entries = [
        {"fullUrl": f"urn:uuid:{r.get('id', i)}", "resource": r} for i, r in enumerate(resources)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries}).encode()


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode), ndjson=st.booleans())
def test_random_bytes_are_rejected_cleanly(desk: Desk, raw: bytes, ndjson: bool) -> None:
    before = _counts(desk)
    report = FhirImporter(desk).import_bytes(
        raw, "fuzz.ndjson" if ndjson else "fuzz.json", ndjson=ndjson
    )
    _check(desk, before, report)


@FUZZ
@given(
    which=st.integers(min_value=0, max_value=len(RESOURCES) - 1),
    path=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=4),
    value=json_values | huge,
    delete=st.booleans(),
)
def test_mutated_bundles_import_whole_or_not_at_all(
    desk: Desk, which: int, path: list[int], value: Any, delete: bool
) -> None:
    resources = copy.deepcopy(RESOURCES)
    _mutate(resources[which], path, value, delete)
    before = _counts(desk)
    report = FhirImporter(desk).import_bytes(_bundle(resources), "mutated.json")
    _check(desk, before, report)


def _mutate(node: Any, path: list[int], value: Any, delete: bool) -> None:
    """Walk down ``path`` (indexes into keys or items) and replace or delete what is there."""
    for step in path[:-1]:
        if isinstance(node, dict) and node:
            child = node[sorted(node)[step % len(node)]]
        elif isinstance(node, list) and node:
            child = node[step % len(node)]
        else:
            break
        if not isinstance(child, dict | list):
            break
        node = child
    if isinstance(node, dict) and node:
        key = sorted(node)[path[-1] % len(node)]
        if delete:
            del node[key]
        else:
            node[key] = value
    elif isinstance(node, list) and node:
        node[path[-1] % len(node)] = value


csv_cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', '""', 'a"b', "x,y", "\n", "\r\n", "1950-01-01", "4/30/1962", "F", "es", "\x00"]
)


@FUZZ
@given(
    rows=st.lists(st.lists(csv_cell, min_size=0, max_size=6), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    quote=st.booleans(),
)
def test_odd_csv_never_crashes_or_half_imports(
    desk: Desk, rows: list[list[str]], encoding: str, quote: bool
) -> None:
    header = "MRN,First,Last,DOB,Gender,Language"
    lines = [header] + [",".join(f'"{c}"' if quote else c for c in row) for row in rows]
    raw = "\n".join(lines).encode(encoding, errors="replace")
    before = _counts(desk)
    report = CsvImporter(desk).import_bytes(raw, "odd.csv")
    _check(desk, before, report)
    for problem in report.problems:
        assert problem.where.startswith(("row ", "mapping")), problem
