"""Restore (issue 16): only an admin of the vault it replaces, a backup that proves itself, and a
record of it in both vaults. Real vaults, real backups, nothing mocked.

The hazard: an old backup silently replacing the live record loses every clinical edit made
since, so a restore must be deliberate, by the right person, of the right vault, and visible.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import BackupInvalid, PermissionDenied, WrongPassword
from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store.backup import seal
from careDesk.store.engine import FORMAT
from careDesk.store.restore import BackupSignInNeeded, Credentials, OtherVault, restore_vault
from careDesk.store.vault import create_vault, unlock
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD

ADMIN_SIGN_IN = Credentials(ADMIN, PASSWORD)
KIM_PW = "violet kettle morning 7"


def _mrns(paths: VaultPaths) -> list[str]:
    desk = unlock(paths, ADMIN, PASSWORD, readonly=True)
    try:
        with desk.reading() as session:
            return sorted(p.mrn for p in session.exec(select(Patient)))
    finally:
        desk.close()


def _actions(paths: VaultPaths) -> list[str]:
    """The audit trail's actions, as the admin signs in (which also records failed sign-ins)."""
    desk = unlock(paths, ADMIN, PASSWORD)
    try:
        return [e.action for e in desk.audit_events(limit=1000)]
    finally:
        desk.close()


def _asides(paths: VaultPaths) -> list[Path]:
    return sorted(paths.root.glob("before-restore-*"))


@pytest.fixture
def archive(desk: Desk, tmp_path: Path) -> Path:
    """A backup with 3 patients; 2 more are added after it (the edits a restore would lose)."""
    desk.users.add("kim", KIM_PW, "coordinator")
    add_patients(desk, 3, prefix="OLD")
    path = tmp_path / "clinic.cdbak"
    desk.backups.make(path)
    add_patients(desk, 2, prefix="NEW")
    return path


LIVE = ["NEW00000", "NEW00001", "OLD00000", "OLD00001", "OLD00002"]
BACKED_UP = ["OLD00000", "OLD00001", "OLD00002"]


def _rewrite(archive: Path, out: Path, **members: bytes) -> Path:
    """A copy of ``archive`` with some members replaced."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, members.get(name.replace(".", "_"), src.read(name)))
    return out


def _manifest(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as zf:
        data: dict[str, Any] = json.loads(zf.read("manifest.json"))
    return data


def _sums(manifest: dict[str, Any]) -> dict[str, str]:
    return dict(manifest["sha256"])


# ----- who may restore ------------------------------------------------------------------------
def test_an_unknown_login_cannot_restore(
    desk: Desk, vault_paths: VaultPaths, archive: Path
) -> None:
    desk.close()
    with pytest.raises(WrongPassword):
        restore_vault(archive, vault_paths, Credentials("intruder", "any long passphrase 9"))
    assert _mrns(vault_paths) == LIVE and _asides(vault_paths) == []
    assert "login.failed" in _actions(vault_paths)  # the attempt shows in the audit trail


def test_a_coordinator_is_refused_and_the_attempt_is_audited(
    desk: Desk, vault_paths: VaultPaths, archive: Path
) -> None:
    desk.close()
    with pytest.raises(PermissionDenied, match=r"coordinator\) may not restore a backup"):
        restore_vault(archive, vault_paths, Credentials("kim", KIM_PW))
    assert _mrns(vault_paths) == LIVE and _asides(vault_paths) == []
    check = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    [refused] = check.audit_events(action="backup.restore.refused")
    assert refused.user_login == "kim"
    check.close()


def test_an_admin_restores_and_both_vaults_record_it(
    desk: Desk, vault_paths: VaultPaths, archive: Path
) -> None:
    desk.close()
    result = restore_vault(archive, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == BACKED_UP
    restored = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    [event] = restored.audit_events(action="backup.restore")
    assert event.user_login == ADMIN and json.loads(event.detail)["file"] == "clinic.cdbak"
    restored.close()
    # The replaced vault is kept whole, with its later edits and the event saying what happened.
    assert result.aside is not None and _asides(vault_paths) == [result.aside]
    previous = VaultPaths(result.aside)
    assert _mrns(previous) == LIVE
    assert "backup.restore.start" in _actions(previous)


def test_the_recovery_key_can_restore(
    created: tuple[Desk, str], vault_paths: VaultPaths, tmp_path: Path
) -> None:
    desk, recovery_key = created
    add_patients(desk, 1, prefix="OLD")
    desk.backups.make(tmp_path / "a.cdbak")
    add_patients(desk, 1, prefix="NEW")
    desk.close()
    with pytest.raises(WrongPassword):
        restore_vault(
            tmp_path / "a.cdbak", vault_paths, Credentials(recovery_key="AAAA-" * 7 + "AAAA")
        )
    restore_vault(tmp_path / "a.cdbak", vault_paths, Credentials(recovery_key=recovery_key.lower()))
    assert _mrns(vault_paths) == ["OLD00000"]
    restored = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    assert [e.user_login for e in restored.audit_events(action="backup.restore")] == ["recovery"]
    restored.close()


# ----- an unreadable current vault: the backup's own admin ------------------------------------
@pytest.mark.parametrize("damage", ["overwritten", "missing", "no key slots"])
def test_an_unreadable_vault_needs_the_backups_own_admin(
    desk: Desk, vault_paths: VaultPaths, archive: Path, damage: str
) -> None:
    desk.close()
    if damage == "overwritten":
        vault_paths.database.write_bytes(b"\0" * 8192)
    elif damage == "missing":
        vault_paths.database.unlink()
        vault_paths.key_slots.unlink()
    else:
        vault_paths.key_slots.unlink()
    with pytest.raises(PermissionDenied, match="admins of the backup only"):
        restore_vault(archive, vault_paths, Credentials("kim", KIM_PW))  # kim: coordinator there
    with pytest.raises(WrongPassword):
        restore_vault(archive, vault_paths, Credentials(ADMIN, "not the password at all 4"))
    assert _asides(vault_paths) == []
    restore_vault(archive, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == BACKED_UP
    assert "backup.restore" in _actions(vault_paths)


def test_a_password_changed_since_the_backup_needs_the_backups_sign_in(
    desk: Desk, vault_paths: VaultPaths, archive: Path
) -> None:
    desk.users.change_password(ADMIN, "amber harbour violin 3")
    desk.close()
    now = Credentials(ADMIN, "amber harbour violin 3")
    with pytest.raises(BackupSignInNeeded, match="--backup-user"):
        restore_vault(archive, vault_paths, now)
    assert _asides(vault_paths) == []
    restore_vault(archive, vault_paths, now, backup_who=ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == BACKED_UP  # signs in with the backup's password from now on


# ----- which vault ----------------------------------------------------------------------------
def test_a_backup_of_another_vault_is_refused_unless_asked_for(
    desk: Desk, vault_paths: VaultPaths, archive: Path, tmp_path: Path
) -> None:
    """Same admin login, same password, another clinic: still another vault."""
    other_paths = VaultPaths(tmp_path / "other-clinic")
    other, _ = create_vault(other_paths, ADMIN, PASSWORD)
    add_patients(other, 1, prefix="OTHER")
    other.backups.make(tmp_path / "other.cdbak")
    other.close()
    desk.close()
    with pytest.raises(OtherVault, match=r"different clinic vault.*--replace-with-other-vault"):
        restore_vault(tmp_path / "other.cdbak", vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == LIVE and _asides(vault_paths) == []
    assert "backup.restore.refused" in _actions(vault_paths)
    result = restore_vault(
        tmp_path / "other.cdbak", vault_paths, ADMIN_SIGN_IN, replace_with_other_vault=True
    )
    assert result.other_vault and _mrns(vault_paths) == ["OTHER00000"]


# ----- a backup that proves itself ------------------------------------------------------------
def test_an_edited_manifest_is_refused(
    desk: Desk, vault_paths: VaultPaths, archive: Path, tmp_path: Path
) -> None:
    """Checksums alone can be recomputed by whoever edits the file; the seal cannot."""
    desk.close()
    manifest = _manifest(archive)
    manifest["created_at"] = "2030-01-01T00:00:00+00:00"  # passes as the newest backup
    forged = _rewrite(
        archive, tmp_path / "forged.cdbak", manifest_json=json.dumps(manifest).encode()
    )
    with pytest.raises(BackupInvalid, match="its seal does not match"):
        restore_vault(forged, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == LIVE and _asides(vault_paths) == []
    check = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    [refused] = check.audit_events(action="backup.restore.refused")
    assert json.loads(refused.detail)["reason"] == "BackupInvalid"
    check.close()


def test_parts_of_two_backups_mixed_are_refused(
    desk: Desk, vault_paths: VaultPaths, archive: Path, tmp_path: Path
) -> None:
    """An older database under a newer manifest, its checksum recomputed: the seal catches it."""
    newer = tmp_path / "newer.cdbak"
    desk.backups.make(newer)
    desk.close()
    with zipfile.ZipFile(archive) as zf:
        old_db = zf.read("vault.db")
    manifest = _manifest(newer)
    manifest["sha256"] = {**_sums(manifest), "vault.db": hashlib.sha256(old_db).hexdigest()}
    mixed = _rewrite(
        newer,
        tmp_path / "mixed.cdbak",
        vault_db=old_db,
        manifest_json=json.dumps(manifest).encode(),
    )
    with pytest.raises(BackupInvalid, match="its seal does not match"):
        restore_vault(mixed, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == LIVE


def test_damaged_pages_are_caught_before_the_swap(
    desk: Desk, vault_paths: VaultPaths, archive: Path, tmp_path: Path
) -> None:
    """Even with a valid seal (made here with the key), SQLCipher's per-page HMAC check runs on
    the staged copy and refuses it before anything is moved."""
    key = desk.key
    desk.close()
    with zipfile.ZipFile(archive) as zf:
        db = bytearray(zf.read("vault.db"))
    page = FORMAT.size * 2 + 100  # inside the third page (a copy's pages are the vault's size)
    db[page : page + 16] = bytes(b ^ 0xFF for b in db[page : page + 16])
    manifest = _manifest(archive)
    manifest["sha256"] = {**_sums(manifest), "vault.db": hashlib.sha256(db).hexdigest()}
    resealed = seal({k: v for k, v in manifest.items() if k != "seal"}, key)
    bad = _rewrite(archive, tmp_path / "bad.cdbak", vault_db=bytes(db),
                   manifest_json=json.dumps(resealed).encode())  # fmt: skip
    with pytest.raises(BackupInvalid, match="fail their encryption check"):
        restore_vault(bad, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == LIVE and _asides(vault_paths) == []


def test_an_unsealed_backup_from_an_older_careDesk_needs_explicit_acceptance(
    desk: Desk, vault_paths: VaultPaths, archive: Path, tmp_path: Path
) -> None:
    desk.close()
    manifest = _manifest(archive)
    manifest = {**{k: v for k, v in manifest.items() if k != "seal"}, "format": 1}
    old = _rewrite(archive, tmp_path / "old.cdbak", manifest_json=json.dumps(manifest).encode())
    with pytest.raises(BackupInvalid, match=r"older careDesk without a seal.*--accept-unsealed"):
        restore_vault(old, vault_paths, ADMIN_SIGN_IN)
    assert _mrns(vault_paths) == LIVE
    restore_vault(old, vault_paths, ADMIN_SIGN_IN, accept_unsealed=True)
    assert _mrns(vault_paths) == BACKED_UP
