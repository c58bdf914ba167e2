"""vault.keys: bounded key derivation, damage reported as damage, no timing tell for logins."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from careDesk.desk import Desk
from careDesk.errors import KeySlotsDamaged, WrongPassword
from careDesk.paths import VaultPaths
from careDesk.store import slotcrypto
from careDesk.store.slotcrypto import checksum
from careDesk.store.vault import unlock
from tests.careDesk.security.legacy import old_slot
from tests.careDesk.store.files import file_hashes
from tests.conftest import ADMIN, PASSWORD

Data = dict[str, Any]


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every Argon2id derivation the sign-in runs, with its settings."""
    calls: list[dict[str, Any]] = []
    real = slotcrypto.hash_secret_raw

    def counting(secret: bytes, salt: bytes, **settings: Any) -> bytes:
        calls.append(settings)
        return real(secret, salt, **settings)

    monkeypatch.setattr(slotcrypto, "hash_secret_raw", counting)
    return calls


@pytest.fixture
def closed(desk: Desk, vault_paths: VaultPaths) -> VaultPaths:
    desk.users.add("kim", "violet kettle morning 7", "coordinator")
    desk.close()
    return vault_paths


def _edit(paths: VaultPaths, change: Callable[[Data], None], *, fix_checksums: bool) -> None:
    """Edit vault.keys as someone with the file would (optionally repairing the checksums)."""
    data = json.loads(paths.key_slots.read_text())
    change(data)
    if fix_checksums:
        for entry in (*data["users"].values(), data["recovery"], data["sealed"]):
            entry["check"] = checksum(entry)
    paths.key_slots.write_text(json.dumps(data))


def _admin_kdf(data: Data) -> Data:
    kdf: Data = data["users"][ADMIN]["password"]["kdf"]
    return kdf


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        pytest.param("time_cost", 100_000, "time_cost is outside 1..10", id="time-huge"),
        pytest.param("time_cost", 0, "time_cost is outside 1..10", id="time-zero"),
        pytest.param(
            "memory_cost", 64 * 1024 * 1024, "memory_cost is outside 8192..1048576", id="mem-64GiB"
        ),
        pytest.param("memory_cost", 1024, "memory_cost is outside 8192..1048576", id="mem-1MiB"),
        pytest.param("parallelism", 0, "parallelism is outside 1..8", id="lanes-zero"),
        pytest.param("parallelism", 255, "parallelism is outside 1..8", id="lanes-255"),
        pytest.param("time_cost", "3", "time_cost is outside 1..10", id="time-text"),
        pytest.param("time_cost", True, "time_cost is outside 1..10", id="time-bool"),
    ],
)
def test_out_of_bounds_settings_are_refused_before_any_derivation(
    closed: VaultPaths, argon2_calls: list[dict[str, Any]], name: str, value: Any, said: str
) -> None:
    _edit(closed, lambda d: _admin_kdf(d).update({name: value}), fix_checksums=True)
    before = file_hashes(closed.root)
    with pytest.raises(KeySlotsDamaged, match=r"vault\.keys is damaged") as damaged:
        unlock(closed, ADMIN, PASSWORD)
    assert said in damaged.value.message
    assert "not a wrong password" in damaged.value.message
    assert argon2_calls == []  # nothing was tried
    assert file_hashes(closed.root) == before  # not even a failed sign-in was counted


def test_an_old_format_slot_is_bounded_too(
    closed: VaultPaths, argon2_calls: list[dict[str, Any]]
) -> None:
    slot = old_slot("v", "password", ADMIN, PASSWORD, bytes(32))
    slot["kdf"]["memory_cost"] = 1 << 30  # 1 TiB of Argon2 memory
    closed.key_slots.write_text(json.dumps({"format": 1, "vault_id": "v", "slots": [slot]}))
    with pytest.raises(KeySlotsDamaged, match="memory_cost is outside"):
        unlock(closed, ADMIN, PASSWORD)
    assert argon2_calls == []


def _short_wrap(d: Data) -> None:
    wrapped = base64.b64decode(d["users"][ADMIN]["password"]["wrapped"])
    d["users"][ADMIN]["password"]["wrapped"] = base64.b64encode(wrapped[:40]).decode()


def _flip_wrap(d: Data) -> None:
    wrapped = bytearray(base64.b64decode(d["users"][ADMIN]["password"]["wrapped"]))
    wrapped[5] ^= 0x01
    d["users"][ADMIN]["password"]["wrapped"] = base64.b64encode(bytes(wrapped)).decode()


@pytest.mark.parametrize(
    ("change", "fix", "said"),
    [
        pytest.param(
            lambda d: d["users"][ADMIN]["password"].update(wrapped="%%not base64%%"),
            True,
            "wrapped key is not valid base64",
            id="bad-base64",
        ),
        pytest.param(_short_wrap, True, "wrapped key has the wrong length", id="truncated"),
        pytest.param(_flip_wrap, False, "the entry for admin fails its checksum", id="bit-flip"),
        pytest.param(
            lambda d: d["sealed"]["boxes"].clear(),
            True,
            "no database key is sealed to admin",
            id="no-sealed-key",
        ),
        pytest.param(
            lambda d: d["users"][ADMIN].pop("sign"), True, "signing key is missing", id="no-key"
        ),
        pytest.param(
            lambda d: d.update(users=[]), False, "the user entries are missing", id="bad-shape"
        ),
    ],
)
def test_a_damaged_slot_says_damaged_not_wrong_password(
    closed: VaultPaths, change: Callable[[Data], None], fix: bool, said: str
) -> None:
    _edit(closed, change, fix_checksums=fix)
    with pytest.raises(KeySlotsDamaged) as damaged:
        unlock(closed, ADMIN, PASSWORD)
    assert said in damaged.value.message
    assert "Wrong user name or password" not in damaged.value.message


def test_a_file_that_is_not_json_is_damaged(closed: VaultPaths) -> None:
    closed.key_slots.write_bytes(closed.key_slots.read_bytes()[:200])  # cut off mid-file
    with pytest.raises(KeySlotsDamaged, match=r"vault.keys is damaged \(it is not readable\)"):
        unlock(closed, ADMIN, PASSWORD)


def test_unknown_login_runs_the_same_derivation_as_a_real_one(
    closed: VaultPaths, argon2_calls: list[dict[str, Any]]
) -> None:
    with pytest.raises(WrongPassword):
        unlock(closed, "kim", "not kims password at all")
    real = list(argon2_calls)
    argon2_calls.clear()
    with pytest.raises(WrongPassword, match="Wrong user name or password"):
        unlock(closed, "nobody", "not kims password at all")
    # One Argon2id derivation at the same cost as a real login's, so the time taken does not
    # tell an attacker which logins exist.
    assert len(real) == len(argon2_calls) == 1
    assert argon2_calls[0] == real[0]


def test_public_keys_are_bound_to_the_password_wrap(closed: VaultPaths) -> None:
    """Swapping kim's public key in the file for another (checksum repaired) makes kim's
    password open nothing: a planted key cannot ride on a real password."""
    unlock(closed, "kim", "violet kettle morning 7", readonly=True).close()

    def swap(d: Data) -> None:
        d["users"]["kim"]["box"] = d["users"][ADMIN]["box"]

    _edit(closed, swap, fix_checksums=True)
    with pytest.raises(WrongPassword):
        unlock(closed, "kim", "violet kettle morning 7", readonly=True)
