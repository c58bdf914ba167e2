"""Users and roles: accounts, key slots, back-off, recovery, remembered workstations."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import (
    LoginDelayed,
    PasswordTooWeak,
    PermissionDenied,
    ValidationFailed,
    WrongPassword,
)
from careDesk.model.security import Setting
from careDesk.paths import VaultPaths
from careDesk.security.roles import Permission
from careDesk.store.vault import (
    keyring_available,
    recover,
    remember_on_workstation,
    remembered_secret,
    unlock,
)
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD

NURSE_PW = "violet kettle morning 7"


def _slots(paths: VaultPaths) -> dict[str, str]:
    """Each user's stored entry, as the exact JSON text it has in the file."""
    data = json.loads(paths.key_slots.read_text())
    return {login: json.dumps(e, sort_keys=True) for login, e in data["users"].items()}


def test_add_list_disable_enable(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.users.add("nurse.kim", NURSE_PW, "coordinator", "Kim Lee")
    assert [(u.login, u.role, u.disabled) for u in desk.users.list()] == [
        ("admin", "admin", False),
        ("nurse.kim", "coordinator", False),
    ]
    other = unlock(vault_paths, "nurse.kim", NURSE_PW, readonly=True)
    assert other.user.display_name == "Kim Lee"
    other.close()

    desk.users.disable("nurse.kim")
    # Revoked, not only refused: no slot for the old password is left to unwrap the key.
    assert "nurse.kim" not in _slots(vault_paths)
    with pytest.raises(WrongPassword):
        unlock(vault_paths, "nurse.kim", NURSE_PW, readonly=True)
    with pytest.raises(PasswordTooWeak):
        desk.users.enable("nurse.kim", "short")
    desk.users.enable("nurse.kim", "amber harbour violin 3")
    with pytest.raises(WrongPassword):
        unlock(vault_paths, "nurse.kim", NURSE_PW, readonly=True)
    unlock(vault_paths, "nurse.kim", "amber harbour violin 3", readonly=True).close()
    actions = [e.action for e in desk.audit_events(limit=10)]
    assert {"user.add", "user.disable", "user.enable"} <= set(actions)


def test_bad_user_input_is_refused_with_the_field(desk: Desk) -> None:
    with pytest.raises(ValidationFailed, match="login: use 2–64 lower-case"):
        desk.users.add("Kim Lee", NURSE_PW, "coordinator")
    with pytest.raises(ValidationFailed, match="role: choose one of admin, coordinator"):
        desk.users.add("kim", NURSE_PW, "boss")
    desk.users.add("kim", NURSE_PW, "clinician")
    with pytest.raises(ValidationFailed, match="kim is already taken"):
        desk.users.add("kim", NURSE_PW, "clinician")
    with pytest.raises(ValidationFailed, match="cannot disable your own account"):
        desk.users.disable(ADMIN)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 10 characters"),
        ("aaaaaaaaaaaa", "too easy to guess: Repeats like"),
        ("password123", "too easy to guess: This is a very common password"),
        ("1234567890", "too easy to guess: This is a top-100 common password"),
        ("qwertyuiop", "too easy to guess"),
        ("my-kim-pass-word", "user name"),
    ],
)
def test_weak_passwords_are_rejected_with_a_reason(
    desk: Desk, vault_paths: VaultPaths, password: str, reason: str
) -> None:
    before = vault_paths.key_slots.read_bytes()
    with pytest.raises(PasswordTooWeak, match=reason):
        desk.users.add("kim", password, "clinician")
    assert vault_paths.key_slots.read_bytes() == before
    assert [u.login for u in desk.users.list()] == [ADMIN]


def test_changing_a_password_rewrites_only_that_users_entry(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    desk.users.add("kim", NURSE_PW, "clinician")
    before = _slots(vault_paths)
    desk.users.change_password("kim", "amber harbour tulip 9")
    after = _slots(vault_paths)
    assert after.keys() == before.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"kim"}  # new key pair for kim; the admin's entry is as it was
    with pytest.raises(WrongPassword):
        unlock(vault_paths, "kim", NURSE_PW, readonly=True)
    unlock(vault_paths, "kim", "amber harbour tulip 9", readonly=True).close()


def test_users_change_their_own_password_only_with_the_old_one(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    desk.users.add("kim", NURSE_PW, "clinician")
    desk.users.add("sam", "copper meadow falcon 3", "clinician")
    desk.close()
    kim = unlock(vault_paths, "kim", NURSE_PW)
    with pytest.raises(WrongPassword):
        kim.users.change_password("kim", "amber harbour tulip 9", "a wrong old password")
    with pytest.raises(PermissionDenied, match="change another user's password"):
        kim.users.change_password("sam", "amber harbour tulip 9")
    kim.users.change_password("kim", "amber harbour tulip 9", NURSE_PW)
    kim.close()
    unlock(vault_paths, "kim", "amber harbour tulip 9", readonly=True).close()


def test_back_off_after_three_failures_uses_the_clock(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.close()
    now = [1_000_000.0]

    def clock() -> float:
        return now[0]

    for _ in range(3):
        with pytest.raises(WrongPassword):
            unlock(vault_paths, ADMIN, "guess number one", clock=clock)
    with pytest.raises(LoginDelayed, match="Wait 1 seconds") as delayed:
        unlock(vault_paths, ADMIN, PASSWORD, clock=clock)  # even the right password waits
    assert delayed.value.seconds == 1
    now[0] += 1
    with pytest.raises(WrongPassword):
        unlock(vault_paths, ADMIN, "guess number four", clock=clock)
    with pytest.raises(LoginDelayed, match="Wait 2 seconds"):
        unlock(vault_paths, ADMIN, PASSWORD, clock=clock)
    now[0] += 2
    back = unlock(vault_paths, ADMIN, PASSWORD, clock=clock)
    # The failed attempts reach the audit trail at the next sign-in, and the back-off resets.
    failed = back.audit_events(action="login.failed")
    assert len(failed) == 4
    assert {json.loads(e.detail)["reason"] for e in failed} == {"wrong password"}
    back.close()
    unlock(vault_paths, ADMIN, PASSWORD, clock=clock).close()


def test_unknown_login_is_the_same_message_as_a_wrong_password(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    with pytest.raises(WrongPassword, match="Wrong user name or password"):
        unlock(vault_paths, "nobody", PASSWORD, readonly=True)


def test_recovery_key_resets_a_password(created: tuple[Desk, str], vault_paths: VaultPaths) -> None:
    desk, recovery_key = created
    desk.close()
    with pytest.raises(WrongPassword):
        recover(vault_paths, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", ADMIN, "new lantern 12345")
    # Typed in lower case with spaces, as people do from a printed sheet.
    typed = recovery_key.lower().replace("-", " ")
    back = recover(vault_paths, typed, ADMIN, "new lantern 12345")
    assert back.audit_events(action="user.password.recovered")
    back.close()
    with pytest.raises(WrongPassword):
        unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    unlock(vault_paths, ADMIN, "new lantern 12345", readonly=True).close()


def test_read_only_role_is_refused_writes_by_the_core(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.users.add("viewer", NURSE_PW, "read-only")
    desk.close()
    viewer = unlock(vault_paths, "viewer", NURSE_PW)
    assert viewer.can(Permission.READ) and not viewer.can(Permission.EDIT)
    with pytest.raises(PermissionDenied, match=r"Your role \(read-only\) may not change patient"):
        add_patients(viewer, 1)
    with pytest.raises(PermissionDenied):
        viewer.settings.set("clinic.name", "Viewer Clinic")
    with pytest.raises(PermissionDenied):
        viewer.users.add("other", NURSE_PW, "admin")
    with viewer.reading() as session:
        assert session.exec(select(Setting)).all() == []
    viewer.close()


def test_read_only_desk_never_writes(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.close()
    reader = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    with pytest.raises(PermissionDenied, match="opened read-only"):
        add_patients(reader, 1)
    reader.close()


def test_remember_on_this_workstation(desk: Desk, vault_paths: VaultPaths) -> None:
    assert keyring_available()
    assert remember_on_workstation(desk)
    desk.close()
    secret = remembered_secret(vault_paths, ADMIN)
    assert secret is not None
    again = unlock(vault_paths, ADMIN, remembered_secret=secret)
    assert again.user.login == ADMIN
    again.close()
    with pytest.raises(WrongPassword):
        unlock(vault_paths, ADMIN, remembered_secret=b"x" * 32)


def test_without_a_keyring_passwords_still_work(desk: Desk, vault_paths: VaultPaths) -> None:
    keyring.set_keyring(FailKeyring())
    assert not keyring_available()
    assert remember_on_workstation(desk) is False
    desk.close()
    assert remembered_secret(vault_paths, ADMIN) is None
    unlock(vault_paths, ADMIN, PASSWORD).close()
