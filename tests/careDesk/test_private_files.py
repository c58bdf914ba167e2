"""Private files (issue 16, docs/security.md): on POSIX, folders careDesk makes are 0700 and
files it writes 0600, whatever the umask; a vault folder from before is tightened when opened.

On Windows the modes are not used (the files inherit the user profile's ACL); these tests run
on POSIX only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.errors import WrongPassword
from careDesk.handouts.render import write_pdf
from careDesk.logs import log_unexpected, record_native_crashes
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.conftest import ADMIN, PASSWORD

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The common default (022): files would be world-readable unless careDesk says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _everything(root: Path) -> dict[str, int]:
    found = {str(p.relative_to(root)): mode(p) for p in root.rglob("*")}
    found["."] = mode(root)
    return found


def _wide(root: Path) -> dict[str, int]:
    """What under ``root`` is not 0700 (folders) or 0600 (files)."""
    return {
        name: m
        for name, m in _everything(root).items()
        if m != (0o700 if (root / name).is_dir() else 0o600)
    }


def test_a_new_vault_and_its_backups_are_private(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.patients.create(mrn="A1", given_name="Ana", family_name="Lee", birth_date=date(1950, 1, 2))
    desk.backups.nightly()
    desk.close()
    with pytest.raises(WrongPassword):  # a failed sign-in writes the counters file
        unlock(vault_paths, ADMIN, "not the password at all 3")
    assert vault_paths.sign_ins.exists()
    assert {"vault.db", "vault.keys", "backups"} <= set(os.listdir(vault_paths.root))
    assert _wide(vault_paths.root) == {}


def test_exports_handouts_and_packets_are_private(desk: Desk, tmp_path: Path) -> None:
    pid = desk.patients.create(
        mrn="A1", given_name="Ana", family_name="Lee", birth_date=date(1950, 1, 2)
    ).value.id
    out = tmp_path / "exports"
    out.mkdir()  # a folder the user chose: left as it is
    written: list[Path | None] = [
        desk.interop.export_fhir(pid, out / "ana.json"),
        *desk.interop.export_packet(
            pid, out / "packet.pdf", password="river stone lantern 8", bundle_beside=True
        ),
        desk.interop.export_ics(pid, out / "ana.ics"),
        write_pdf(out / "handout.pdf", desk.handouts.patient_handout(pid)),
    ]
    assert {p.name: mode(p) for p in written if p} == {p.name: 0o600 for p in written if p}
    assert len(written) == 5
    assert mode(out) == 0o755
    backup = desk.backups.make(tmp_path / "usb" / "new-folder" / "clinic.cdbak").path
    assert mode(backup) == 0o600 and mode(backup.parent) == 0o700


def test_crash_reports_are_private(tmp_path: Path) -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        report = log_unexpected(exc, tmp_path / "logs")
    native = record_native_crashes(tmp_path / "logs")
    assert (mode(report), mode(native), mode(report.parent)) == (0o600, 0o600, 0o700)


def test_an_older_vault_folder_is_tightened_when_opened(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    desk.backups.nightly()
    desk.close()
    mine = vault_paths.root / "my-notes.txt"  # the user's own file in the same folder
    mine.write_text("shopping list")
    for path in [vault_paths.root, *vault_paths.root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # as careDesk before issue 16 left it
    assert _wide(vault_paths.root)
    unlock(vault_paths, ADMIN, PASSWORD, readonly=True).close()
    assert _wide(vault_paths.root) == {"my-notes.txt": 0o644}  # not careDesk's to change


def test_the_command_line_writes_privately_and_restores_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_kdf: None
) -> None:
    data = tmp_path / "clinic"
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    assert main(["--data-dir", str(data), "init", "--admin", ADMIN]) == 0
    assert main(["--data-dir", str(data), "--user", ADMIN, "backup", "-o",
                 str(tmp_path / "b.cdbak")]) == 0  # fmt: skip
    assert _wide(data) == {} and mode(tmp_path / "b.cdbak") == 0o600
    assert os.umask(0o022) == 0o022  # main() gave the test's umask back
