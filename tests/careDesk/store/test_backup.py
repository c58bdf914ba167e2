"""Backups restore to an identical vault; damaged ones are refused; rotation keeps 7 + 4."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import BackupInvalid, VaultInUse
from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store.backup import rotate_backups, scheduled_name, verify_backup
from careDesk.store.check import check_vault
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import unlock
from tests.careDesk.store.files import add_patients, file_hashes
from tests.conftest import ADMIN, PASSWORD

ADMIN_SIGN_IN = Credentials(ADMIN, PASSWORD)


def restore_backup(archive: Path, paths: VaultPaths) -> Path | None:
    """Restore as the vault's admin; where the previous vault was kept."""
    return restore_vault(archive, paths, ADMIN_SIGN_IN).aside


def _manifest_of(archive: Path) -> str:
    with zipfile.ZipFile(archive) as zf:
        return zf.read("manifest.json").decode()


def _records(desk: Desk) -> list[dict[str, object]]:
    with desk.reading() as session:
        return [p.model_dump() for p in session.exec(select(Patient).order_by(Patient.mrn))]


def _audit(desk: Desk) -> list[tuple[int | None, str, str]]:
    return [(e.seq, e.action, e.hash) for e in desk.audit_events(limit=10_000)]


def test_round_trip_into_a_fresh_folder(desk: Desk, tmp_path: Path) -> None:
    add_patients(desk, 50)
    archive = tmp_path / "out" / "clinic.cdbak"
    info = desk.backups.make(archive)
    assert info.path == archive and archive.exists()
    records, events = _records(desk), _audit(desk)

    fresh = VaultPaths(tmp_path / "elsewhere")
    assert restore_backup(archive, fresh) is None  # nothing to keep aside
    restored = unlock(fresh, ADMIN, PASSWORD)
    assert _records(restored) == records
    assert _audit(restored)[-len(events) + 1 :] == events[1:]  # every event up to the backup
    assert check_vault(restored).passed
    restored.close()


def test_restore_over_the_current_vault_keeps_it_aside(
    desk: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    add_patients(desk, 10, prefix="OLD")
    archive = tmp_path / "clinic.cdbak"
    desk.backups.make(archive)
    before_restore = _records(desk)
    add_patients(desk, 5, prefix="NEW")
    with pytest.raises(VaultInUse):  # not while it is open
        restore_backup(archive, vault_paths)
    after_backup = _records(desk)
    desk.close()

    aside = restore_backup(archive, vault_paths)
    assert aside is not None and aside.parent == vault_paths.root
    restored = unlock(vault_paths, ADMIN, PASSWORD)
    assert _records(restored) == before_restore
    assert check_vault(restored).passed
    restored.close()
    # Nothing was lost: the previous vault, with the later patients, opens from where it was put.
    previous = unlock(VaultPaths(aside), ADMIN, PASSWORD)
    assert _records(previous) == after_backup
    previous.close()


def test_damaged_backup_is_refused_and_nothing_changes(
    desk: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    add_patients(desk, 20)
    archive = tmp_path / "clinic.cdbak"
    desk.backups.make(archive)
    desk.backups.make(tmp_path / "good.cdbak")
    desk.close()
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0x5A for b in data[middle : middle + 8])
    archive.write_bytes(bytes(data))
    before = file_hashes(vault_paths.root)
    with pytest.raises(BackupInvalid, match="cannot be used: the file is damaged"):
        restore_backup(archive, vault_paths)
    assert file_hashes(vault_paths.root) == before

    # A well-formed archive whose members were swapped: caught by the manifest's checksums.
    swapped = tmp_path / "swapped.cdbak"
    with zipfile.ZipFile(swapped, "w") as out:
        out.writestr("manifest.json", _manifest_of(tmp_path / "good.cdbak"))
        out.writestr("vault.db", b"")
        out.writestr("vault.keys", b"{}")
    with pytest.raises(BackupInvalid, match=r"vault\.db does not match its checksum"):
        restore_backup(swapped, vault_paths)
    assert file_hashes(vault_paths.root) == before

    not_a_backup = tmp_path / "notes.cdbak"
    not_a_backup.write_text("shopping list")
    with pytest.raises(BackupInvalid, match="damaged or not a careDesk backup"):
        verify_backup(not_a_backup)
    with pytest.raises(BackupInvalid, match="does not exist"):
        verify_backup(tmp_path / "missing.cdbak")


def test_backup_is_audited_and_failures_are_too(desk: Desk, tmp_path: Path) -> None:
    desk.backups.make(tmp_path / "a.cdbak")
    assert desk.backups.last_result() is not None
    assert desk.backups.last_result()[0] == "backup.make"  # type: ignore[index]


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path: Path) -> None:
    last = datetime(2026, 3, 1, 2, 0)  # a Sunday: ISO week 9 is Feb 23 – Mar 1
    for back in range(60):
        (tmp_path / scheduled_name(last - timedelta(days=back))).write_bytes(b"x")
    (tmp_path / scheduled_name(last + timedelta(hours=12))).write_bytes(b"x")  # two on Mar 1
    (tmp_path / "before-schema-1-20260101-000000.cdbak").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"x")

    removed = rotate_backups(tmp_path, keep_daily=7, keep_weekly=4)

    kept = sorted(p.name for p in tmp_path.iterdir())
    expected_days = [last.replace(hour=14)] + [last - timedelta(days=d) for d in range(1, 7)]
    expected_weeks = [datetime(2026, 2, d, 2, 0) for d in (22, 15, 8)]  # newest of weeks 8, 7, 6
    expected = sorted(
        [scheduled_name(t) for t in expected_days + expected_weeks]
        + ["before-schema-1-20260101-000000.cdbak", "notes.txt"]
    )
    assert kept == expected
    assert len(removed) == 61 - 10
