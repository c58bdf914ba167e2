"""Control and invisible format characters never get in, and never reach a terminal (issue 16).

What is removed and kept follows Unicode's general categories (Unicode Standard §4.5): Cc
controls (C0 incl. NUL and ESC, C1), Cf format characters (bidi overrides U+202A–U+202E and
isolates U+2066–U+2069, zero-width space U+200B, BOM U+FEFF, soft hyphen), surrogates and
private use. Letters and marks of every script stay; ZWJ/ZWNJ stay inside words (§23.2).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.text import clean_text, visible_controls
from tests.conftest import ADMIN, PASSWORD

# Real names in several scripts, which must come through byte for byte.
NAMES = [
    ("Nguyễn", "Thị Minh Khai"),  # Vietnamese (precomposed letters with two diacritics)
    ("عبد الله", "فاطمة"),  # Arabic
    ("王", "秀英"),  # Chinese
    ("शर्मा", "क्षितिज"),  # Devanagari (virama conjuncts)
    ("مهرآبادی", "می\u200cخواهم"),  # Persian with a zero-width non-joiner inside the word
]
TRICKS = "\x00\x1b[2J\x1b]0;pwned\x07\u202e\u200b\ufeff\x9b\u2066\u00ad\r"


@pytest.mark.parametrize(("family", "given"), NAMES)
def test_every_script_is_kept(family: str, given: str) -> None:
    assert clean_text(family) == family and clean_text(given) == given
    # ESC and BEL go, the harmless rest of the sequence stays visible; CR becomes a space.
    assert clean_text(f"{TRICKS[:6]}{family}{TRICKS[6:]}") == f"[2J{family}]0;pwned "


def test_newlines_only_in_multi_line_text() -> None:
    assert clean_text("line one\r\nline two\tend") == "line one line two end"
    assert clean_text("line one\r\nline two\tend", multiline=True) == "line one\nline two\tend"
    assert clean_text("\u200dalone\u200c") == "alone"  # joiners outside a word are a trick


def test_forms_store_names_without_tricks(desk: Desk) -> None:
    for n, (family, given) in enumerate(NAMES):
        created = desk.patients.create(
            mrn=f"T-{n}",
            family_name=f"\u202e{family}\x00",
            given_name=f"{given}\u200b\x1b[31m",
            birth_date=date(1950, 1, 2),
            what_matters="Her garden.\nHer grandchildren.\x07",
        ).value
        assert (created.family_name, created.given_name) == (family, f"{given}[31m")
    with desk.reading() as session:
        stored = {p.mrn: p for p in session.exec(select(Patient))}
    assert stored["T-0"].family_name == "Nguyễn"
    assert stored["T-4"].given_name == "می\u200cخواهم[31m"
    assert stored["T-0"].what_matters == "Her garden.\nHer grandchildren."


def test_plan_and_timeline_forms_clean_too(desk: Desk) -> None:
    pid = desk.patients.create(
        mrn="T-1", family_name="Lee", given_name="Ann", birth_date=date(1950, 1, 2)
    ).value.id
    note = desk.timeline.add_note(pid, summary="Call\u202e back", body="Line 1\x00\nLine 2").value
    assert (note.summary, note.body) == ("Call back", "Line 1\nLine 2")


def test_csv_and_fhir_imports_clean_every_text(desk: Desk, tmp_path: Path) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text(
        "MRN,First,Last,DOB,Address\n"
        f'C-1,{NAMES[1][1]}\u200b,\u202e{NAMES[1][0]},1950-01-02,"1 Main St\x1b[2J\nApt 2"\n',
        encoding="utf-8",
    )
    assert desk.interop.import_csv(csv).created["patient"] == 1
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {
            "resourceType": "Patient", "id": "p1",
            "name": [{"family": f"{NAMES[3][0]}\u2066\x00",
                      "given": [f"\x1b]0;x\x07{NAMES[3][1]}"]}],
            "birthDate": "1950-01-02",
        }}],
    }  # fmt: skip
    fhir = tmp_path / "b.json"
    fhir.write_text(json.dumps(bundle), encoding="utf-8")
    assert desk.interop.import_file(fhir).created["patient"] == 1
    with desk.reading() as session:
        people = {p.mrn: p for p in session.exec(select(Patient))}
    c1 = people["C-1"]
    assert (c1.family_name, c1.given_name) == NAMES[1]
    assert c1.address_line == "1 Main St[2J\nApt 2"
    (f1,) = [p for m, p in people.items() if m != "C-1"]
    assert (f1.family_name, f1.given_name) == (NAMES[3][0], f"]0;x{NAMES[3][1]}")


def test_the_command_line_never_prints_a_control_character(
    desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record stored before cleaning (or by sync) still cannot drive the terminal."""
    with desk.writing() as tx:
        tx.add(
            Patient(mrn="OLD-1", given_name="Ann\x1b[2J\r", family_name="Ev\u202eil",
                    birth_date=date(1950, 1, 2)),
            kind="patient",
        )  # fmt: skip
    desk.close()
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    assert main(["patients"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x1b\r\u202e")
    assert "Ev\\u202eil, Ann\\u001b[2J\\u000d" in out
    assert main(["patients", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)  # still valid JSON, with the stored value
    assert rows[0]["name"] == "Ev\u202eil, Ann\x1b[2J\r"


def test_visible_controls_keeps_words_and_lines() -> None:
    text = "Nguyễn\tمی\u200cخواهم\nशर्मा"
    assert visible_controls(text) == text
