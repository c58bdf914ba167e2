"""A crash report goes beside the vault the command ran on, and never holds patient data."""

from __future__ import annotations

from pathlib import Path

import pytest

from careDesk.cli.context import Context
from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.paths import log_dir


def _explode(_ctx: Context, *, readonly: bool = False) -> Desk:
    raise RuntimeError("Jane Doe, MRN 0042, HIV positive")  # a bug whose message holds PHI


def test_crash_report_follows_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAREDESK_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    monkeypatch.setattr(Context, "desk", _explode)
    vault = tmp_path / "clinic"
    assert main(["--data-dir", str(vault), "--user", "admin", "patients"]) == 3
    reports = sorted((vault / "logs").glob("crash-*.txt"))
    assert len(reports) == 1
    assert str(reports[0]) in capsys.readouterr().err
    text = reports[0].read_text("utf-8")
    assert "RuntimeError" in text and "Jane" not in text and "HIV" not in text
    assert not (tmp_path / "home").exists()  # nothing in the user's own log folder
    assert log_dir() != vault / "logs"  # the choice ends with the command
