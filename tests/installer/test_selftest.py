"""``caredesk --self-test``: every check passes in-process, and a failure makes it exit 1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from careDesk import selftest
from careDesk.desk import Desk
from careDesk.paths import ENV_DATA_DIR
from ui import entry
from ui import selftest as gui_selftest

CHECKS = [
    "folders", "vault", "patient", "handout", "coordination", "reminder clock", "platform plugin",
]  # fmt: skip


def test_self_test_passes_and_prints_one_line_per_check(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fast_kdf: None,  # the frozen app's run in `make dist-check` uses the real cost
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    data_before = os.environ[ENV_DATA_DIR]

    assert entry.main(["--self-test"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("careDesk 0.1.0 (from source)")
    for name in [*CHECKS, "display", "main window"]:
        assert any(line.startswith(f"ok   {name}: ") for line in lines), name
    assert "encrypted (SQLCipher 4." in next(line for line in lines if "vault:" in line)
    assert "DejaVu font embedded" in next(line for line in lines if "handout:" in line)
    assert "opened offscreen with" in lines[-2]
    assert lines[-1] == "self-test passed"
    # The clinic's data folder setting is back as it was, and nothing was written there.
    assert os.environ[ENV_DATA_DIR] == data_before
    assert not Path(data_before).exists()


def test_a_failing_check_fails_the_self_test(fast_kdf: None) -> None:
    def broken(_desk: Desk) -> str:
        raise ModuleNotFoundError("No module named 'ui.pages.today'")

    lines: list[str] = []
    assert selftest.run_self_test([("main window", broken)], out=lines.append) == 1
    assert any(
        line.startswith("FAIL main window: ModuleNotFoundError: No module named 'ui.pages.today'")
        for line in lines
    )
    assert lines[-1] == "self-test FAILED: main window"
    assert sum(line.startswith("ok   ") for line in lines) == 6  # the core checks still ran


def test_a_vault_failure_stops_before_the_desk_checks(
    monkeypatch: pytest.MonkeyPatch, fast_kdf: None
) -> None:
    def no_cipher() -> str:
        raise RuntimeError("the sqlcipher3 module has no SQLCipher inside")

    monkeypatch.setattr(selftest, "sqlcipher_version", no_cipher)
    lines: list[str] = []
    assert selftest.run_self_test(out=lines.append) == 1
    assert [line.split(":")[0] for line in lines[1:-1]] == ["ok   folders", "FAIL vault"]


def test_platform_plugin_check_names_the_missing_file(
    monkeypatch: pytest.MonkeyPatch, desk: Desk
) -> None:
    monkeypatch.setitem(gui_selftest.PLATFORM_PLUGINS, sys.platform, "libqnosuchplatform.so")
    with pytest.raises(FileNotFoundError, match=r"libqnosuchplatform\.so is missing"):
        gui_selftest.check_platform_plugin(desk)


def test_display_check_says_when_there_is_no_display(
    monkeypatch: pytest.MonkeyPatch, desk: Desk
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert gui_selftest.check_display(desk) == "no display here: the desktop plugin was not tried"


def test_display_check_names_the_missing_system_library(
    monkeypatch: pytest.MonkeyPatch, desk: Desk, tmp_path: Path
) -> None:
    """A display exists but libxcb-cursor0 does not load: the self-test fails with the fix."""
    fake = tmp_path / "ldd"  # glibc's ldd, as it answers for a library it cannot find
    fake.write_text("#!/bin/sh\nprintf '\\tlibxcb-cursor.so.0 => not found\\n'\n", "utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":97")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    with pytest.raises(RuntimeError, match=r"display :97: .*sudo apt install libxcb-cursor0"):
        gui_selftest.check_display(desk)


def test_display_check_opens_a_real_x_display(
    monkeypatch: pytest.MonkeyPatch, desk: Desk, tmp_path: Path
) -> None:
    """On a real X server (Xvfb, README: System requirements) the xcb plugin opens it."""
    import shutil
    import subprocess

    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is needed for this test: sudo apt install xvfb (README)"
    with subprocess.Popen(
        [xvfb, "-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as server:
        try:
            assert server.stdout is not None
            number = server.stdout.readline().decode().strip()  # Xvfb writes it once ready
            monkeypatch.setenv("DISPLAY", f":{number}")
            monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
            assert gui_selftest.check_display(desk) == f"opened display :{number} with xcb"
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.stdout is not None:
                server.stdout.close()
