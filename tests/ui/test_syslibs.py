"""``make run`` on a workstation without Qt's X11 libraries: one line saying what to install.

The probe asks the dynamic linker (``ldd``) what Qt's platform plugin cannot find. These tests
point it at a missing library by putting a stand-in ``ldd`` first on PATH, so no package is
uninstalled; the stand-in answers the way glibc's ``ldd`` does for a library it cannot find.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui import syslibs

REPO = Path(__file__).resolve().parents[2]
LDD_OUTPUT = (
    "\tlinux-vdso.so.1 (0x00007ffd)\n"
    "\tlibxcb-cursor.so.0 => not found\n"
    "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)\n"
    "\tlibxcb-cursor.so.0 => not found\n"
    "\tlibcaredesk-unknown.so.7 => not found\n"
)


def _fake_ldd(folder: Path, output: str) -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / "ldd"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{output}'\n", "utf-8")
    script.chmod(0o755)
    return folder


def test_missing_libraries_are_named_with_their_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = _fake_ldd(tmp_path / "bin", LDD_OUTPUT)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    plugin = syslibs.plugin_path("xcb")
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert syslibs.missing_libraries(plugin) == ["libxcb-cursor.so.0", "libcaredesk-unknown.so.7"]
    line = syslibs.problem("xcb")
    assert line is not None and "\n" not in line
    assert "sudo apt install libxcb-cursor0 libcaredesk-unknown.so.7" in line


def test_nothing_to_say_when_every_library_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)\n"
    bin_dir = _fake_ldd(tmp_path / "bin", ok)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert syslibs.problem("xcb") is None
    assert syslibs.main(["offscreen", "xcb"]) == 0


def test_the_app_prints_the_fix_instead_of_a_qt_abort(tmp_path: Path) -> None:
    """``caredesk`` with no subcommand (what ``make run`` starts), on the real xcb platform."""
    bin_dir = _fake_ldd(tmp_path / "bin", LDD_OUTPUT)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.update(
        QT_QPA_PLATFORM="xcb", CAREDESK_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO)
    )
    done = subprocess.run(
        [sys.executable, "-m", "ui.entry"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "sudo apt install libxcb-cursor0" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
    assert not (tmp_path / "data").exists()  # stopped before anything was created


def test_ci_asks_for_packages_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_ldd(tmp_path / "bin", LDD_OUTPUT)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        [sys.executable, "-m", "ui.syslibs", "--packages", "offscreen", "xcb"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=60,
    )
    assert done.stdout.split() == ["libxcb-cursor0", "libcaredesk-unknown.so.7"]
