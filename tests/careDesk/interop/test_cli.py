"""``caredesk import PATH...`` and ``caredesk export PATIENT --format fhir|pdf -o OUT``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from tests.careDesk.interop.conftest import ALEJANDRO, SYNTHEA
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def closed(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)


def test_import_folder_prints_a_line_per_file_and_fails_on_a_rejected_file(
    closed: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(SYNTHEA / ALEJANDRO, folder / "good.json")
    (folder / "list.csv").write_text(
        "MRN,First,Last,DOB\nC-1,Ann,Lee,1950-01-01\n", encoding="utf-8"
    )
    (folder / "bad.ndjson").write_text(
        '{"resourceType": "Patient", "birthDate": 12}\n', encoding="utf-8"
    )
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    assert main(["import", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("bad.ndjson: REJECTED, nothing imported: Patient #1: birthDate")
    assert lines[1].startswith("good.json: created") and "1 patient" in lines[1]
    assert lines[2] == "list.csv: created 1 patient"
    assert main(["import", str(folder / "good.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    assert report["accepted"] and report["created"] == {} and report["unchanged"]["patient"] == 1


def test_export_fhir_and_pdf_by_mrn(
    closed: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SYNTHEA / ALEJANDRO)]) == 0
    mrn = "a9fcc685-c7a2-4474-bf25-26c8fe4b48f9"
    assert main(["export", mrn, "--format", "fhir", "-o", str(tmp_path / "p.json")]) == 0
    bundle = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert bundle["entry"][0]["resource"]["identifier"][0]["value"] == mrn
    assert main(["export", mrn, "--format", "pdf", "-o", str(tmp_path / "p.pdf")]) == 0
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF") and (tmp_path / "p.json").exists()
    capsys.readouterr()
    alone = tmp_path / "alone"
    alone.mkdir()
    assert main(["export", mrn, "--format", "pdf", "-o", str(alone / "p.pdf")]) == 0
    assert sorted(p.name for p in alone.iterdir()) == ["p.pdf"]  # the Bundle is inside it
    assert "with the FHIR Bundle inside" in capsys.readouterr().out
    assert (
        main(["export", mrn, "--format", "pdf", "--bundle-beside", "-o", str(alone / "b.pdf")]) == 0
    )
    assert (alone / "b.json").exists() and "plain text" in capsys.readouterr().out
    assert main(["export", "missing", "--format", "fhir", "-o", str(tmp_path / "m.json")]) == 1
    assert capsys.readouterr().err.strip() == "caredesk: No patient with id missing."
