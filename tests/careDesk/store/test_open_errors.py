"""Each way a vault can fail to open gives its own typed error, and nothing on disk changes."""

from __future__ import annotations

import pytest

from careDesk.desk import Desk
from careDesk.errors import (
    KeySlotsMissing,
    SchemaTooNew,
    VaultDamaged,
    VaultInUse,
    VaultMissing,
    WrongPassword,
)
from careDesk.paths import VaultPaths
from careDesk.store.check import check_vault
from careDesk.store.engine import raw_connect
from careDesk.store.migrate import SCHEMA_VERSION
from careDesk.store.vault import unlock
from tests.careDesk.store.files import add_patients, file_hashes, run_module
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def closed(desk: Desk, vault_paths: VaultPaths) -> VaultPaths:
    """A vault with some patients, signed out (so its files are at rest)."""
    add_patients(desk, 300)
    desk.close()
    return vault_paths


def _flip(path: VaultPaths, offset: int, length: int = 16) -> None:
    data = bytearray(path.database.read_bytes())
    data[offset : offset + length] = bytes(b ^ 0xFF for b in data[offset : offset + length])
    path.database.write_bytes(bytes(data))


def test_wrong_password_names_it_and_leaves_the_vault_untouched(closed: VaultPaths) -> None:
    before = file_hashes(closed.root)
    with pytest.raises(WrongPassword, match="Wrong user name or password") as refused:
        unlock(closed, ADMIN, "not the right password")
    assert ADMIN not in refused.value.message  # never repeats what was typed (issue 19)
    after = file_hashes(closed.root, skip=("vault.signins",))
    assert after == before  # database and key slots byte-for-byte the same
    assert closed.sign_ins.exists()  # only the failed-attempt counter was written


def test_flipped_bytes_in_the_header_are_a_damaged_file(closed: VaultPaths) -> None:
    _flip(closed, 0)
    before = file_hashes(closed.root)
    with pytest.raises(VaultDamaged, match=r"damaged .*Restore the latest backup"):
        unlock(closed, ADMIN, PASSWORD)
    assert file_hashes(closed.root) == before


def test_flipped_bytes_in_the_middle_are_reported_by_check(closed: VaultPaths) -> None:
    # The last page holds patient rows written after the schema and the user accounts, so
    # signing in (which reads only those) still works and only the full check can find it.
    size = closed.database.stat().st_size
    _flip(closed, size - 4096 + 100)
    before = file_hashes(closed.root)
    desk = unlock(closed, ADMIN, PASSWORD, readonly=True)
    report = check_vault(desk)
    desk.close()
    assert not report.passed
    assert "database: 1 page(s) fail their encryption check" in report.problems
    assert file_hashes(closed.root) == before


def test_truncated_file_is_a_damaged_file(closed: VaultPaths) -> None:
    data = closed.database.read_bytes()
    closed.database.write_bytes(data[: len(data) // 2])
    before = file_hashes(closed.root)
    with pytest.raises(VaultDamaged, match="damaged"):
        unlock(closed, ADMIN, PASSWORD)
    assert file_hashes(closed.root) == before


def test_missing_key_slot_file_says_so(closed: VaultPaths) -> None:
    closed.key_slots.unlink()
    before = file_hashes(closed.root)
    with pytest.raises(KeySlotsMissing, match=r"key-slot file .*vault\.keys is missing"):
        unlock(closed, ADMIN, PASSWORD)
    assert file_hashes(closed.root) == before


def test_missing_vault_says_how_to_create_one(vault_paths: VaultPaths) -> None:
    with pytest.raises(VaultMissing, match="caredesk init"):
        unlock(vault_paths, ADMIN, PASSWORD)
    assert not vault_paths.root.exists() or not any(vault_paths.root.iterdir())


def test_newer_schema_is_refused_before_anything_is_written(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    key = desk.key
    desk.close()
    conn = raw_connect(vault_paths.database, key)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = file_hashes(vault_paths.root)
    reads = rf"newer careDesk \(schema 99; this app reads up to {SCHEMA_VERSION}\)"
    with pytest.raises(SchemaTooNew, match=reads):
        unlock(vault_paths, ADMIN, PASSWORD)
    assert file_hashes(vault_paths.root) == before


def test_second_writer_in_the_same_process_is_told_it_is_open_elsewhere(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    before = file_hashes(vault_paths.root)
    with pytest.raises(VaultInUse, match="open elsewhere"):
        unlock(vault_paths, ADMIN, PASSWORD)
    assert file_hashes(vault_paths.root) == before
    # The first desk is unharmed and still writes.
    add_patients(desk, 1)
    # A read-only desk may look while the writer works.
    reader = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    assert check_vault(reader).passed
    reader.close()


def test_second_writer_in_another_process_is_told_it_is_open_elsewhere(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    before = file_hashes(vault_paths.root)
    child = run_module(
        "careDesk",
        "--data-dir",
        str(vault_paths.root),
        "config",
        "set",
        "clinic.name",
        "Second Writer Clinic",
        env={"CAREDESK_USER": ADMIN, "CAREDESK_PASSWORD": PASSWORD},
    )
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert err.count("\n") == 1 and "is open elsewhere" in err
    assert "Traceback" not in err
    assert file_hashes(vault_paths.root) == before
    assert desk.settings.get("clinic.name") == ""
