"""The platform packaging files: Linux desktop entry and archive, Windows Inno Setup script,
macOS entitlements; and the native crash log in the platform's log folder."""

from __future__ import annotations

import configparser
import os
import plistlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import bundle
import package
import pytest

INSTALLER = bundle.INSTALLER
DESKTOP = INSTALLER / "linux" / "caredesk.desktop"
ISS = INSTALLER / "caredesk.iss"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def test_desktop_entry_starts_the_installed_app() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "careDesk"
    assert entry["Exec"].split()[0] == bundle.APP_NAME
    assert entry["Icon"] == "caredesk"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    assert entry["StartupWMClass"] == bundle.APP_NAME  # Qt's window class: the binary's name


def test_desktop_entry_passes_desktop_file_validate() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:  # not installed here: the parser check above still ran
        _desktop_entry()
        return
    done = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error:" not in done.stdout


def _inno_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def test_inno_setup_installs_per_machine_with_a_start_menu_entry() -> None:
    sections = _inno_sections()
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"] == r"{autopf}\careDesk"
    assert setup["AppId"].startswith("{{")
    assert (INSTALLER / setup["SetupIconFile"].replace("\\", "/")).is_file()
    exe = f"{bundle.APP_NAME}.exe"
    assert any(r"{autoprograms}\careDesk" in line and exe in line for line in sections["Icons"])
    assert any(r"..\dist\caredesk\*" in line for line in sections["Files"])


def test_uninstall_keeps_the_users_data() -> None:
    sections = _inno_sections()
    removed = sections.get("UninstallDelete", []) + sections.get("InstallDelete", [])
    assert removed
    for line in removed:
        assert 'Name: "{app}' in line
    text = ISS.read_text(encoding="utf-8")
    for user_folder in ("{localappdata}", "{userappdata}", "{commonappdata}", "{userdocs}"):
        assert user_folder not in text


def test_macos_entitlements_are_a_valid_plist() -> None:
    entitlements = plistlib.loads((INSTALLER / "macos" / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


def _fake_app(dist: Path) -> Path:
    app = dist / bundle.APP_NAME
    (app / "_internal" / "careDesk").mkdir(parents=True)
    (app / bundle.APP_NAME).write_bytes(b"\x7fELF not really")
    (app / bundle.APP_NAME).chmod(0o755)
    (app / "_internal" / "careDesk" / "table.json").write_text("{}", encoding="utf-8")
    (app / "_internal" / "libexample.so.1").symlink_to("careDesk/table.json")
    return app


def test_linux_archive_is_reproducible_and_ready_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    archives = []
    for build in ("first", "second"):
        dist = tmp_path / build
        app = _fake_app(dist)
        package.add_linux_extras(app)
        archives.append(package.write_archive(app, dist / "app.tar.gz", package.build_time()))
    assert archives[0].read_bytes() == archives[1].read_bytes()
    with tarfile.open(archives[0]) as tar:
        members = {member.name: member for member in tar.getmembers()}
    root = bundle.APP_NAME
    for name in ("caredesk", "caredesk.desktop", "caredesk.png", "caredesk.svg", "install.sh"):
        assert f"{root}/{name}" in members
    assert members[f"{root}/install.sh"].mode == 0o755
    assert members[f"{root}/caredesk"].mode == 0o755
    assert members[f"{root}/caredesk.desktop"].mode == 0o644
    assert members[f"{root}/_internal/libexample.so.1"].issym()
    assert {member.mtime for member in members.values()} == {1700000000}
    assert {(member.uid, member.gid) for member in members.values()} == {(0, 0)}
    assert package.linux_archive_name("0.1.0", "x86_64") == "caredesk-0.1.0-linux-x86_64.tar.gz"


def test_packaging_without_a_build_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert package.main(tmp_path) == 1
    assert "no built app" in capsys.readouterr().err


def test_a_hard_crash_leaves_its_stack_in_the_log_folder(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    crash = (
        "import faulthandler, sys\n"
        "from pathlib import Path\n"
        "from careDesk.logs import record_native_crashes\n"
        "record_native_crashes(Path(sys.argv[1]))\n"
        "faulthandler._sigsegv()\n"
    )
    env = {**os.environ, "PYTHONFAULTHANDLER": ""}
    done = subprocess.run(
        [sys.executable, "-c", crash, str(logs)], capture_output=True, env=env, check=False
    )
    assert done.returncode != 0
    report = (logs / "native-crashes.txt").read_text(encoding="utf-8")
    assert "Segmentation fault" in report
    assert 'File "<string>", line 5' in report


def _unpacked(folder: Path, check_system: str) -> Path:
    """An unpacked archive whose app answers ``--check-system`` with ``check_system`` (sh)."""
    folder.mkdir()
    shutil.copy(INSTALLER / "linux" / "install.sh", folder / "install.sh")
    for name in ("caredesk.desktop", "caredesk.png", "caredesk.svg"):
        (folder / name).write_text("stand-in", "utf-8")
    app = folder / "caredesk"
    app.write_text(
        '#!/bin/sh\ncase "$1" in\n'
        f"  --check-system) {check_system} ;;\n"
        '  --version) echo "careDesk 0.1.0" ;;\nesac\n',
        "utf-8",
    )
    app.chmod(0o755)
    return folder


@pytest.mark.parametrize("libraries_present", [False, True])
def test_install_sh_checks_the_desktop_libraries_first(
    tmp_path: Path, libraries_present: bool
) -> None:
    fix = "careDesk cannot start Qt's 'xcb' display: … sudo apt install libxcb-cursor0"
    answer = "exit 0" if libraries_present else f'echo "{fix}" >&2; exit 1'
    here = _unpacked(tmp_path / "caredesk", answer)
    target = tmp_path / "root"
    env = dict(
        os.environ,
        PREFIX=str(target / "opt" / "caredesk"),
        BIN=str(target / "bin"),
        SHARE=str(target / "share"),
    )
    done = subprocess.run(
        ["sh", str(here / "install.sh")], capture_output=True, text=True, env=env, timeout=60
    )
    if libraries_present:
        assert done.returncode == 0, done.stderr
        assert (target / "bin" / "caredesk").is_symlink()
    else:
        assert done.returncode == 1
        assert "sudo apt install libxcb-cursor0" in done.stderr
        assert "install the packages named above" in done.stderr
        assert not target.exists()  # nothing half-installed
