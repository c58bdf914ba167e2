"""Revocation: what an old copy of vault.keys (and the password it opens) can still open.

The attack each test plays: someone kept a copy of ``vault.keys`` (or a backup's) while their
password still worked, and can read the live ``vault.db``. After they are disabled, their role
lowered, their password changed, the keys rotated or the recovery key replaced, that copy must
open nothing live — while everyone who keeps access signs in as before, with no one's password
having been asked for.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.errors import VaultDamaged, WrongPassword
from careDesk.model.security import user_id
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.check import check_vault
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.slotcrypto import KeyPair
from careDesk.store.vault import recover, remember_on_workstation, remembered_secret, unlock
from tests.careDesk.security.tamper import insider
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD

KIM, KIM_PW = "kim", "violet kettle morning 7"
SAM, SAM_PW = "sam", "copper meadow falcon 3"


def _live_with(paths: VaultPaths, keys: bytes, folder: Path) -> VaultPaths:
    """The live database beside an old vault.keys, as the attacker would put them."""
    attack = VaultPaths(folder)
    attack.root.mkdir(parents=True, exist_ok=True)
    shutil.copy(paths.database, attack.database)
    attack.key_slots.write_bytes(keys)
    return attack


def _opens_nothing_live(
    paths: VaultPaths, old_keys: bytes, tmp: Path, login: str, secret: str
) -> None:
    attack = _live_with(paths, old_keys, tmp / "attack")
    with pytest.raises(VaultDamaged, match="it does not decrypt"):
        unlock(attack, login, secret, readonly=True)


@pytest.fixture
def clinic(desk: Desk) -> Desk:
    desk.users.add(KIM, KIM_PW, "admin")
    desk.users.add(SAM, SAM_PW, "clinician")
    add_patients(desk, 5)
    return desk


def _still_sign_in(paths: VaultPaths, *people: tuple[str, str]) -> None:
    for login, password in people:
        unlock(paths, login, password, readonly=True).close()


def test_disabling_a_user_leaves_their_old_copy_opening_nothing(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    kept = vault_paths.key_slots.read_bytes()  # kim's copy, while kim was active
    clinic.users.disable(KIM)
    result = clinic.users.last_rotation
    assert result is not None and result.kept == (ADMIN, SAM) and result.dropped == ()
    clinic.close()
    _opens_nothing_live(vault_paths, kept, tmp_path, KIM, KIM_PW)
    _still_sign_in(vault_paths, (ADMIN, PASSWORD), (SAM, SAM_PW))  # no one asked for passwords
    with pytest.raises(WrongPassword):
        unlock(vault_paths, KIM, KIM_PW, readonly=True)
    back = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    report = check_vault(back)
    back.close()
    assert report.passed, report.problems


def test_a_disabled_users_remembered_workstation_secret_opens_nothing(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    clinic.close()
    kim = unlock(vault_paths, KIM, KIM_PW)
    assert remember_on_workstation(kim)
    kim.close()
    secret = remembered_secret(vault_paths, KIM)
    assert secret is not None
    kept = vault_paths.key_slots.read_bytes()
    admin = unlock(vault_paths, ADMIN, PASSWORD)
    admin.users.disable(KIM)
    admin.close()
    attack = _live_with(vault_paths, kept, tmp_path / "attack")
    with pytest.raises(VaultDamaged, match="it does not decrypt"):
        unlock(attack, KIM, remembered_secret=secret, readonly=True)


def test_a_changed_password_leaves_the_old_one_opening_nothing(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    kept = vault_paths.key_slots.read_bytes()
    clinic.close()
    sam = unlock(vault_paths, SAM, SAM_PW)
    sam.users.change_password(SAM, "amber harbour tulip 9", SAM_PW)  # a clinician, own password
    add_patients(sam, 1, prefix="S")  # signs with the new key from now on
    sam.close()
    _opens_nothing_live(vault_paths, kept, tmp_path, SAM, SAM_PW)
    _still_sign_in(vault_paths, (SAM, "amber harbour tulip 9"), (KIM, KIM_PW), (ADMIN, PASSWORD))
    back = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    assert check_vault(back).passed
    back.close()


def test_lowering_a_role_rotates_the_key(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    kept = vault_paths.key_slots.read_bytes()
    clinic.users.set_role(KIM, "coordinator")
    assert clinic.users.last_rotation is not None
    clinic.users.last_rotation = None
    clinic.users.set_role(SAM, "coordinator")  # raised, not lowered: no rotation
    assert clinic.users.last_rotation is None
    clinic.close()
    _opens_nothing_live(vault_paths, kept, tmp_path, KIM, KIM_PW)
    _still_sign_in(vault_paths, (KIM, KIM_PW))


def test_rotate_keys_needs_no_password_and_reports_progress(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    kept = vault_paths.key_slots.read_bytes()
    seen: list[tuple[int, int, str]] = []
    result = clinic.users.rotate_keys(progress=lambda d, t, what: seen.append((d, t, what)))
    assert result.epoch == 2 and result.kept == (ADMIN, KIM, SAM) and result.recovery_key is None
    assert any("Re-encrypting" in what for _, _, what in seen)
    assert seen[-1][:2] == (1, 1)
    add_patients(clinic, 2, prefix="AFTER")  # the open desk carries on under the new key
    [event] = clinic.audit_events(action="keys.rotate", limit=1)
    assert '"reason": "rotate"' in event.detail
    clinic.close()
    for login, password in ((ADMIN, PASSWORD), (KIM, KIM_PW), (SAM, SAM_PW)):
        _opens_nothing_live(vault_paths, kept, tmp_path / login, login, password)
    _still_sign_in(vault_paths, (ADMIN, PASSWORD), (KIM, KIM_PW), (SAM, SAM_PW))


def test_an_old_backups_key_slots_open_nothing_live(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    archive = tmp_path / "before.cdbak"
    clinic.backups.make(archive)
    clinic.users.disable(KIM)
    clinic.close()
    with zipfile.ZipFile(archive) as zf:
        backed_up_keys = zf.read("vault.keys")
    _opens_nothing_live(vault_paths, backed_up_keys, tmp_path, KIM, KIM_PW)


def test_a_new_recovery_key_kills_the_old_one(
    created: tuple[Desk, str], vault_paths: VaultPaths, tmp_path: Path
) -> None:
    desk, old_recovery = created
    kept = vault_paths.key_slots.read_bytes()
    result = desk.users.new_recovery_key()
    assert result.recovery_key and result.recovery_key != old_recovery
    desk.close()
    with pytest.raises(WrongPassword):
        recover(vault_paths, old_recovery, ADMIN, "new lantern 12345")
    # Even with the vault.keys of its time, the old recovery key opens nothing live.
    attack = _live_with(vault_paths, kept, tmp_path / "attack")
    with pytest.raises(VaultDamaged, match="it does not decrypt"):
        recover(attack, old_recovery, ADMIN, "new lantern 12345")
    back = recover(vault_paths, result.recovery_key, ADMIN, "new lantern 12345")
    report = check_vault(back)
    back.close()
    assert report.passed, report.problems
    unlock(vault_paths, ADMIN, "new lantern 12345", readonly=True).close()


def test_a_key_planted_in_vault_keys_is_not_carried_over_by_a_rotation(
    clinic: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    """sam, still a user, seals the key to a key pair of their own under a made-up admin
    ("mallory": user row and all), hoping it survives sam's own revocation."""
    clinic.close()
    sam = insider(vault_paths, SAM, SAM_PW)
    mallory, mallory_id = KeyPair.generate(), user_id("mallory")
    slots = KeySlotFile.load(vault_paths.key_slots)
    entry = keyslots.new_user(sam.vault_id, "mallory", mallory_id, mallory, "mallory pw 12345")
    slots.users["mallory"] = entry
    assert slots.sealed is not None
    slots.sealed.boxes.update(
        keyslots.seal_key(
            sam.vault_id, slots.sealed.epoch, sam.key, {entry.label: entry.box or ""}
        ).boxes
    )
    slots.save(vault_paths.key_slots)
    conn = raw_connect(vault_paths.database, sam.key)
    conn.execute(
        "INSERT INTO user_account (id, login, display_name, role, disabled, created_at,"
        " updated_at, version) VALUES (?, 'mallory', 'Mallory', 'admin', 0, ?, ?, 1)",
        (mallory_id, "2026-01-01 00:00:00", "2026-01-01 00:00:00"),
    )
    conn.close()
    planted = vault_paths.key_slots.read_bytes()

    admin = unlock(vault_paths, ADMIN, PASSWORD)
    report = check_vault(admin)
    assert "users: the signed audit trail never added mallory" in report.problems
    assert "key slots: the public keys of mallory are not the ones the audit trail introduced" in (
        report.problems
    )
    admin.users.disable(SAM)
    result = admin.users.last_rotation
    assert result is not None and result.kept == (ADMIN, KIM) and result.dropped == ("mallory",)
    admin.close()
    _opens_nothing_live(vault_paths, planted, tmp_path, "mallory", "mallory pw 12345")
