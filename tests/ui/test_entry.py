"""The ``caredesk`` console script: GUI without a subcommand, the CLI with one."""

from __future__ import annotations

import pytest

from careDesk.desk import Desk
from tests.conftest import ADMIN, PASSWORD
from ui import entry


def test_subcommand_goes_to_the_command_line(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.settings.set("clinic.name", "Riverside Family Clinic")
    desk.close()
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    started: list[object] = []
    monkeypatch.setattr("ui.app.run_gui", lambda *a: started.append(a) or 0)
    assert entry.main(["config", "get", "clinic.name"]) == 0
    assert "Riverside Family Clinic" in capsys.readouterr().out
    assert started == []


def test_no_subcommand_starts_the_gui_with_the_data_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[object] = []
    monkeypatch.setattr(
        "ui.app.run_gui",
        lambda data_dir=None, exit_when_ready=False: (
            started.append((data_dir, exit_when_ready)) or 0
        ),
    )
    assert entry.main(["--data-dir", "/somewhere/else"]) == 0
    assert entry.main(["--exit-when-ready", "--data-dir", "/there"]) == 0
    assert started == [("/somewhere/else", False), ("/there", True)]


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        entry.main(["no-such-command"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
