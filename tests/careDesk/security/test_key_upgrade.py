"""Vaults from before key pairs open and are upgraded; a rotation a crash stopped is finished."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.errors import VaultDamaged, WrongPassword
from careDesk.paths import VaultPaths
from careDesk.store import migrate, rekey
from careDesk.store.check import CheckReport, check_vault
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.vault import recover, unlock
from tests.careDesk.security.legacy import make_legacy
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD

KIM, KIM_PW = "kim", "violet kettle morning 7"
SAM, SAM_PW = "sam", "copper meadow falcon 3"


@pytest.fixture
def legacy(created: tuple[Desk, str], vault_paths: VaultPaths) -> tuple[VaultPaths, str]:
    """A vault of the previous release with three users and some patients."""
    desk, recovery_key = created
    desk.users.add(KIM, KIM_PW, "coordinator")
    desk.users.add(SAM, SAM_PW, "clinician")
    add_patients(desk, 4)
    make_legacy(desk, {ADMIN: PASSWORD, KIM: KIM_PW, SAM: SAM_PW}, recovery_key)
    return vault_paths, recovery_key


def _check(paths: VaultPaths, password: str = PASSWORD) -> CheckReport:
    reader = unlock(paths, ADMIN, password, readonly=True)
    try:
        return check_vault(reader)
    finally:
        reader.close()


def test_a_vault_from_before_key_pairs_is_upgraded_at_sign_in(
    legacy: tuple[VaultPaths, str], tmp_path: Path
) -> None:
    paths, _recovery = legacy
    old_keys = paths.key_slots.read_bytes()
    assert b'"format": 1' in old_keys
    admin = unlock(paths, ADMIN, PASSWORD)
    assert migrate.schema_version(admin.engine) == migrate.SCHEMA_VERSION
    assert KeySlotFile.load(paths.key_slots).format == 2
    admin.close()

    report = _check(paths)
    assert report.passed, report.problems
    assert any("from before signatures (hash chain only)" in line for line in report.ok)
    assert any("kim has not signed in since key pairs came" in x for x in report.unverified)
    assert any("recovery key is in the old format" in x for x in report.unverified)

    unlock(paths, KIM, KIM_PW).close()  # kim's first sign-in gives kim a key pair
    report = _check(paths)
    assert report.passed, report.problems
    assert not any("kim has not signed in" in x for x in report.unverified)

    admin = unlock(paths, ADMIN, PASSWORD)
    result = admin.users.rotate_keys()
    # sam never signed in since the upgrade: sam's old slot opens only the old key, so the
    # rotation cannot carry sam over; the old recovery key likewise, so a new one is printed.
    assert result.kept == (ADMIN, KIM) and result.dropped == (SAM,)
    assert result.recovery_key is not None
    admin.users.change_password(SAM, "amber harbour tulip 9")  # the admin gives sam access again
    admin.close()
    unlock(paths, SAM, "amber harbour tulip 9", readonly=True).close()
    unlock(paths, KIM, KIM_PW, readonly=True).close()

    # The file from before the upgrade opens nothing live any more, for anyone.
    attack = VaultPaths(tmp_path / "attack")
    attack.root.mkdir()
    shutil.copy(paths.database, attack.database)
    attack.key_slots.write_bytes(old_keys)
    for login, password in ((SAM, SAM_PW), (KIM, KIM_PW), (ADMIN, PASSWORD)):
        with pytest.raises(VaultDamaged, match="it does not decrypt"):
            unlock(attack, login, password)
    report = _check(paths)
    assert report.passed, report.problems
    assert any("extends the backup before-schema-2-" in line for line in report.ok)
    # Only the places no anchor could come from are left unchecked; the automatic backup
    # before the schema upgrade was taken before anyone had keys, so it is checked unsigned.
    unsigned = [x for x in report.unverified if "before-schema-2-" in x]
    assert len(unsigned) == 1 and "is not signed (the automatic backup" in unsigned[0]
    assert sorted(report.unverified) == [
        "audit trail: no sync server configured: server anchor not checked",
        unsigned[0],
    ]


def test_the_old_recovery_key_still_works_after_the_upgrade(
    legacy: tuple[VaultPaths, str],
) -> None:
    paths, recovery_key = legacy
    unlock(paths, ADMIN, PASSWORD).close()  # upgraded by the admin's sign-in
    back = recover(paths, recovery_key, KIM, "amber harbour tulip 9")
    assert back.user.login == KIM
    back.close()
    report = _check(paths)
    # The recovery rotated the key; sam had not signed in since the upgrade, so sam's old slot
    # was not carried over — and check says what to do about it.
    assert report.problems == [
        "key slots: sam has no key slot and cannot sign in (an admin sets them a new password, "
        "or disables the account)"
    ]
    assert not any("recovery key is in the old format" in x for x in report.unverified)
    with pytest.raises(WrongPassword):
        unlock(paths, KIM, KIM_PW, readonly=True)
    # The same printed key goes on working.
    recover(paths, recovery_key, KIM, "amber harbour violin 3").close()


@pytest.mark.parametrize("stopped", ["before re-encrypting", "after re-encrypting"])
def test_a_rotation_stopped_by_a_crash_is_finished_at_the_next_sign_in(
    desk: Desk, vault_paths: VaultPaths, monkeypatch: pytest.MonkeyPatch, stopped: str
) -> None:
    desk.users.add(KIM, KIM_PW, "coordinator")
    add_patients(desk, 3)

    def power_cut(*_args: object) -> None:
        raise RuntimeError("power cut")

    target = "rekey_database" if stopped == "before re-encrypting" else "promote"
    with monkeypatch.context() as patch:
        patch.setattr(rekey, target, power_cut)
        with pytest.raises(RuntimeError, match="power cut"):
            desk.users.rotate_keys()
    desk.abandon()  # the process died here
    assert KeySlotFile.load(vault_paths.key_slots).next is not None

    back = unlock(vault_paths, ADMIN, PASSWORD)
    assert len(back.patients.search("Alex", limit=10)) == 3
    back.close()
    slots = KeySlotFile.load(vault_paths.key_slots)
    assert slots.next is None and slots.sealed is not None and slots.sealed.epoch == 2
    unlock(vault_paths, KIM, KIM_PW, readonly=True).close()
    report = _check(vault_paths)
    assert report.passed, report.problems


def test_the_recovery_key_opens_a_vault_never_signed_into_since_the_upgrade(
    legacy: tuple[VaultPaths, str],
) -> None:
    paths, recovery_key = legacy
    back = recover(paths, recovery_key, ADMIN, "new lantern 12345")
    back.close()
    assert KeySlotFile.load(paths.key_slots).format == 2
    report = _check(paths, "new lantern 12345")
    # kim and sam never signed in since the upgrade: the recovery's key rotation could not
    # carry their old slots over, and check says so.
    assert report.problems == [
        f"key slots: {who} has no key slot and cannot sign in (an admin sets them a new "
        "password, or disables the account)"
        for who in (KIM, SAM)
    ]
    recover(paths, recovery_key, ADMIN, "amber harbour violin 3").close()  # still the same key
