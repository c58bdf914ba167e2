"""CSV patient lists: default mapping, dry run, rejected rows, atomicity, encodings, quoting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.interop.csv_import import default_mapping
from careDesk.model.patient import Patient

GOOD = (
    "MRN,First Name,Last Name,DOB,Gender,Phone,Language\n"
    "C-1,Rosa,Muñoz,1950-03-02,F,(555) 010-2000,Spanish\n"
    "C-2,Văn,Nguyễn,4/30/1962,male,,vi\n"
)


def _file(desk: Desk, name: str, raw: bytes) -> Path:
    path = desk.paths.root.parent / "csv" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    return path


def _patients(desk: Desk) -> dict[str, Patient]:
    with desk.reading() as session:
        return {p.mrn: p for p in session.exec(select(Patient)).all()}


def test_default_mapping_follows_header_names() -> None:
    headers = ["MRN", "First Name", "last_name", "Date of Birth", "ZIP", "E-mail"]
    assert default_mapping(headers) == {
        "mrn": "MRN", "given_name": "First Name", "family_name": "last_name",
        "birth_date": "Date of Birth", "postal_code": "ZIP", "email": "E-mail",
    }  # fmt: skip


def test_import_creates_then_updates(desk: Desk) -> None:
    report = desk.interop.import_csv(_file(desk, "list.csv", GOOD.encode("utf-8")))
    assert report.accepted and report.created["patient"] == 2
    rosa = _patients(desk)["C-1"]
    assert (rosa.family_name, rosa.sex, rosa.language) == ("Muñoz", "female", "es")
    assert rosa.phone_digits == "5550102000"
    assert _patients(desk)["C-2"].birth_date == date(1962, 4, 30)
    changed = GOOD.replace("(555) 010-2000", "555-777-1234")
    report = desk.interop.import_csv(_file(desk, "list2.csv", changed.encode("utf-8")))
    assert (report.created["patient"], report.updated["patient"], report.unchanged["patient"]) == (
        0,
        1,
        1,
    )
    assert len(_patients(desk)) == 2 and _patients(desk)["C-1"].version == 2


def test_dry_run_shows_what_would_happen_and_writes_nothing(desk: Desk) -> None:
    first_row_only = "\n".join(GOOD.splitlines()[:2]) + "\n"
    desk.interop.import_csv(_file(desk, "one.csv", first_row_only.encode("utf-8")))
    lines = GOOD + "C-3,Ann,Lee,31/31/1999,F,,en\nC-4,Bo,,1970-01-01,M,,en\n"
    report = desk.interop.import_csv(_file(desk, "dry.csv", lines.encode("utf-8")), dry_run=True)
    assert (report.created["patient"], report.updated["patient"], len(report.problems)) == (1, 1, 2)
    assert [(p.where, p.field) for p in report.problems] == [
        ("row 4", "DOB"),
        ("row 5", "Last Name"),
    ]
    assert "31/31" not in str(report.problems[0]) and "would create 1 patient" in report.line()
    assert set(_patients(desk)) == {"C-1"}


def test_any_rejected_row_imports_nothing_unless_skipped(desk: Desk) -> None:
    lines = GOOD + "C-1,Dup,Row,1970-01-01,M,,en\nC-9,Eve,Stone,1980-02-02,alien,,en\n"
    path = _file(desk, "bad.csv", lines.encode("utf-8"))
    report = desk.interop.import_csv(path)
    assert not report.accepted and not _patients(desk)
    assert [(p.where, p.field) for p in report.problems] == [("row 4", "MRN"), ("row 5", "Gender")]
    assert (
        "REJECTED, nothing imported: row 4: MRN: the same MRN is on an earlier row" in report.line()
    )
    report = desk.interop.import_csv(path, skip_rejected=True)
    assert report.accepted and set(_patients(desk)) == {"C-1", "C-2"}
    assert report.created["patient"] == 2 and len(report.problems) == 2


def test_encodings_quoting_and_custom_mapping(desk: Desk) -> None:
    latin = "id;given;surname;born\nL-1;José;Peña;1940-12-24\n".encode("latin-1")
    mapping = {"mrn": "id", "given_name": "given", "family_name": "surname", "birth_date": "born"}
    report = desk.interop.import_csv(_file(desk, "latin.csv", latin), mapping)
    assert report.accepted and "Latin-1" in report.notes[0]
    assert _patients(desk)["L-1"].given_name == "José"
    bom = (
        "\ufeffMRN,First,Last,DOB,Address\n"
        'B-1,"Mary, Ann","O""Brien",1955-05-05,"1 Main St\nApt 2"\n'
    )
    report = desk.interop.import_csv(_file(desk, "bom.csv", bom.encode("utf-8")))
    assert report.accepted and not report.notes
    mary = _patients(desk)["B-1"]
    assert (mary.given_name, mary.family_name, mary.address_line) == (
        "Mary, Ann",
        'O"Brien',
        "1 Main St\nApt 2",
    )


def test_broken_quoting_and_missing_columns_name_the_place(desk: Desk) -> None:
    broken = b'MRN,First,Last,DOB\nQ-1,"Ann"x,Lee,1970-01-01\n'
    report = desk.interop.import_csv(_file(desk, "q.csv", broken))
    assert not report.accepted and report.problems[0].where == "row 2"
    report = desk.interop.import_csv(_file(desk, "cols.csv", b"MRN,First\nX,Y\n"))
    assert not report.accepted and report.problems[0].field == "family_name, birth_date"
    report = desk.interop.import_csv(_file(desk, "map.csv", GOOD.encode()), {"mrn": "Nope"})
    assert (report.problems[0].field, report.problems[0].reason) == (
        "Nope",
        "no such column in the header",
    )
    assert not _patients(desk)


@pytest.mark.parametrize(
    "column",
    [
        "PHQ-9 total",
        "PHQ9 item 9",
        "Q9",
        "Suicidal thoughts",
        "GAD-7",
        "44260-8",
        "Self-harm",
        "Depression score",
    ],
)
def test_screener_columns_refuse_the_file_rather_than_drop_them(desk: Desk, column: str) -> None:
    """CSV import takes patient lists only. A PHQ-9 question 9 answer ≥ 1 needs same-day
    follow-up (Kroenke 2001, J Gen Intern Med 16:606), so a file carrying screener answers is
    refused, naming the column, instead of importing the patients without them."""
    lines = GOOD.splitlines()
    text = "\n".join(
        [f"{lines[0]},{column}", f"{lines[1]},2", f"{lines[2]},0"]
    ) + "\n"  # fmt: skip
    for dry_run in (True, False):
        report = desk.interop.import_csv(_file(desk, "screens.csv", text.encode()), dry_run=dry_run)
        assert not report.accepted and report.problems[0].field == column
        assert "same-day follow-up" in report.problems[0].reason
    assert _patients(desk) == {}


def test_columns_not_kept_are_named_in_a_note(desk: Desk) -> None:
    text = "MRN,First,Last,DOB,Insurance,Favourite colour\nN-1,Ann,Lee,1970-01-01,Acme,blue\n"
    report = desk.interop.import_csv(_file(desk, "extra.csv", text.encode()))
    assert report.accepted and report.created["patient"] == 1
    assert report.notes == ["Columns not imported (no patient field): Insurance, Favourite colour."]
