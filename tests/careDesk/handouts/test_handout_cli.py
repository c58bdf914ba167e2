"""``caredesk handout PATIENT [--language es] [--large-print] -o OUT.pdf``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from careDesk.cli.main import main
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.conftest import Clinic
from tests.careDesk.handouts.patients import TZ
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def closed(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    """The clinic's vault closed, the admin's credentials in the environment."""
    clinic.desk.close()
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    return clinic


def test_handout_by_mrn_in_spanish_large_print(
    closed: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "prints"
    folder.mkdir()
    out = folder / "maria.pdf"
    args = ["handout", closed.maria.mrn, "--language", "es", "--large-print", "-o", str(out)]
    assert main(args) == 0
    data = out.read_bytes()
    assert "Mis medicinas" in pdfcheck.all_text(data)
    assert pdfcheck.smallest_size(data) >= 16
    assert "López" not in capsys.readouterr().out  # no patient data echoed
    assert [p.name for p in folder.iterdir()] == ["maria.pdf"]  # no temporary file left


def test_the_choice_is_remembered_for_the_next_print(closed: Clinic, tmp_path: Path) -> None:
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    assert (
        main(
            [
                "handout",
                closed.robert.patient_id,
                "--language",
                "es",
                "--large-print",
                "-o",
                str(first),
            ]
        )
        == 0
    )
    assert main(["handout", closed.robert.patient_id, "-o", str(second)]) == 0
    data = second.read_bytes()
    assert "Mis medicinas" in pdfcheck.all_text(data)
    assert pdfcheck.smallest_size(data) >= 16


def test_appointments_batch(closed: Clinic, tmp_path: Path) -> None:
    day = (closed.now.astimezone(ZoneInfo(TZ)) + timedelta(days=1)).date()
    out = tmp_path / "day.pdf"
    assert main(["handout", "--appointments", day.isoformat(), "-o", str(out)]) == 0
    text = pdfcheck.all_text(out.read_bytes())
    assert "Para: María López" in text and "For: Robert Miller" in text
    assert "Sam Reed" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["handout", "NO-SUCH", "-o", "{tmp}/x.pdf"], "No patient with id NO-SUCH."),
        (
            ["handout", "M-1001", "--language", "fr", "-o", "{tmp}/x.pdf"],
            "no handout phrases for 'fr'",
        ),
        (["handout", "M-1001", "-o", "{tmp}/missing/x.pdf"], "does not exist"),
        (["handout", "-o", "{tmp}/x.pdf"], "name one patient"),
        (["handout", "--appointments", "tomorrow", "-o", "{tmp}/x.pdf"], "YYYY-MM-DD"),
    ],
)
def test_bad_input_gets_one_clear_line_and_no_file(
    closed: Clinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert main([a.format(tmp=tmp_path) for a in args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.glob("*.pdf")) == []
