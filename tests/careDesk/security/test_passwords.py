"""Password strength (issue 16): zxcvbn score ≥ 3 with the login, the clinic's name and
"careDesk" as known words, the same rule in the core, the command line and recovery.

Scores are zxcvbn's own estimate (Wheeler 2016, USENIX Security, "zxcvbn: Low-Budget Password
Strength Estimation"): 3 means fewer than 10^10 guesses would not find it.
"""

from __future__ import annotations

import pytest
from zxcvbn import zxcvbn

from careDesk.desk import Desk
from careDesk.errors import PasswordTooWeak
from careDesk.paths import VaultPaths
from careDesk.security.passwords import check_password
from careDesk.store.vault import create_vault, recover, unlock
from tests.conftest import ADMIN

# Passwords the old rule (length, common list, sequences) let through.
GUESSABLE = ["Password-2024", "Qwertyuiop-12", "careDesk-123"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_guessable_passwords_are_refused_everywhere(
    created: tuple[Desk, str], vault_paths: VaultPaths, password: str
) -> None:
    assert zxcvbn(password, user_inputs=["caredesk"])["score"] < 3  # the premise, from zxcvbn
    desk, recovery_key = created
    with pytest.raises(PasswordTooWeak, match="too easy to guess") as refused:
        desk.users.add("kim", password, "clinician")
    assert password not in str(refused.value) and password.lower() not in str(refused.value)
    desk.users.add("kim", "amber harbour violin 3", "clinician")
    with pytest.raises(PasswordTooWeak, match="too easy to guess"):
        desk.users.change_password("kim", password)
    desk.users.disable("kim")
    with pytest.raises(PasswordTooWeak, match="too easy to guess"):
        desk.users.enable("kim", password)
    desk.close()
    with pytest.raises(PasswordTooWeak, match="too easy to guess"):
        recover(vault_paths, recovery_key, ADMIN, password)


def test_the_clinic_name_counts_as_a_known_word(desk: Desk, vault_paths: VaultPaths) -> None:
    """``Lakeview2024!`` is score 3 on its own but 2 at Lakeview Health Clinic."""
    assert zxcvbn("Lakeview2024!")["score"] == 3
    check_password("Lakeview2024!", "kim")  # elsewhere it passes
    desk.settings.set("clinic.name", "Lakeview Health Clinic")
    with pytest.raises(PasswordTooWeak, match="the clinic's, careDesk"):
        desk.users.add("kim", "Lakeview2024!", "clinician")
    with pytest.raises(PasswordTooWeak, match="the clinic's, careDesk"):
        check_password("Lakeview2024!", "kim", "Lakeview Health Clinic")


def test_recovery_applies_the_clinic_name_and_changes_nothing(
    created: tuple[Desk, str], vault_paths: VaultPaths
) -> None:
    desk, recovery_key = created
    desk.settings.set("clinic.name", "Lakeview Health Clinic")
    desk.close()
    before = vault_paths.key_slots.read_bytes()
    with pytest.raises(PasswordTooWeak):
        recover(vault_paths, recovery_key, ADMIN, "Lakeview2024!")
    assert vault_paths.key_slots.read_bytes() == before
    recover(vault_paths, recovery_key, ADMIN, "quiet granite orchard 5").close()


def test_a_new_vault_refuses_a_guessable_first_password(vault_paths: VaultPaths) -> None:
    with pytest.raises(PasswordTooWeak, match="too easy to guess"):
        create_vault(vault_paths, "boss", "careDesk-123")
    assert not vault_paths.exists()


def test_strong_and_long_passphrases_pass(fast_kdf: None, vault_paths: VaultPaths) -> None:
    long_phrase = "the heron waits by the cold river at dawn " * 4  # longer than zxcvbn reads
    check_password(long_phrase, "kim", "Lakeview Health Clinic")
    desk, _ = create_vault(vault_paths, "boss", "amber harbour violin 3")
    desk.close()
    unlock(vault_paths, "boss", "amber harbour violin 3", readonly=True).close()
