"""A full disk, a read-only vault, an I/O error and a database held too long are expected errors
(issue 18): each is its own typed error naming the folder, and nothing is half-written.

How each condition is made real, the same whether the tests run as root (CI) or as a person:

- **Full**: SQLite's ``PRAGMA max_page_count`` on every connection of the real encrypted vault,
  set to its current size: the next page the vault needs fails with ``SQLITE_FULL``, exactly as
  on a full disk (root has no reserved-blocks escape here, unlike a real ext4 disk).
- **Read-only**: ``PRAGMA query_only`` on every connection. SQLite then refuses writes with
  ``SQLITE_READONLY``, the result it gives when the vault file, its folder or its disk cannot be
  written. ``chmod`` cannot stand in: root writes through it, and a read-only mount needs
  privileges CI does not have. The folder check at sign-in (the lock file) uses ``/proc``,
  which nobody can create files in, root included.
- **I/O error**: a child process whose file-size limit (``RLIMIT_FSIZE``) stops the vault's
  write-ahead log from growing; the kernel refuses the write and SQLite reports
  ``SQLITE_IOERR_WRITE`` (``tests/reliability/storage_writer.py``).
- **Held too long**: a second real connection holds the write lock past a short busy timeout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import Pool
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import (
    DatabaseBusy,
    DiskError,
    DiskFull,
    FolderReadOnly,
    StorageError,
    VaultInUse,
)
from careDesk.model.patient import Patient
from careDesk.model.security import AuditEvent
from careDesk.paths import VaultPaths
from careDesk.security.audit import verify_chain
from careDesk.store import engine as engine_module
from careDesk.store import faults, migrate, schema_extras, vault
from careDesk.store.engine import build_engine
from careDesk.store.vault import unlock
from tests.careDesk.store.conditions import full, held, on_every_connection, read_only
from tests.careDesk.store.files import add_patients, run_module
from tests.careDesk.store.old_vault import build_old_vault, insert_rows, old_data
from tests.conftest import ADMIN, PASSWORD


def _state(desk: Desk) -> tuple[list[str], int]:
    """The patients' MRNs and the audit trail's length, after checking the file and chain."""
    with desk.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with desk.reading() as session:
        verify_chain(session, desk.vault_id)
        mrns = sorted(p.mrn for p in session.exec(select(Patient)))
        events = len(session.exec(select(AuditEvent)).all())
    return mrns, events


def _one_line_naming(error: StorageError | DatabaseBusy, folder: Path) -> None:
    assert str(folder) in error.message
    assert "\n" not in error.message
    assert "try again" in error.message.lower()


def test_a_full_disk_saves_nothing_and_names_the_folder(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    add_patients(desk, 20)
    before = _state(desk)
    with on_every_connection(desk.engine, full), pytest.raises(DiskFull) as caught:
        add_patients(desk, 400, prefix="FULL")
    _one_line_naming(caught.value, vault_paths.root)
    assert "full" in caught.value.message
    assert _state(desk) == before  # not one of the 400, nor their audit events
    add_patients(desk, 3, prefix="LATER")  # with space again, the same desk saves
    assert len(_state(desk)[0]) == 23


def test_a_read_only_vault_saves_nothing_and_names_the_folder(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    add_patients(desk, 5)
    before = _state(desk)
    with on_every_connection(desk.engine, read_only), pytest.raises(FolderReadOnly) as caught:
        desk.patients.create(
            given_name="Ana", family_name="Peña", mrn="RO-1", birth_date="1950-01-01"
        )
    _one_line_naming(caught.value, vault_paths.root)
    assert _state(desk) == before
    desk.patients.create(given_name="Ana", family_name="Peña", mrn="RO-1", birth_date="1950-01-01")


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> float:
    """A 50 ms busy timeout instead of 5 s, so the test does not wait."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    return 0.05


def test_a_database_held_too_long_is_busy_not_a_crash(
    desk: Desk, vault_paths: VaultPaths, short_wait: float
) -> None:
    desk.engine.dispose()  # new connections take the short wait
    before = _state(desk)
    with held(vault_paths, desk.key), pytest.raises(DatabaseBusy) as caught:
        add_patients(desk, 3)
    _one_line_naming(caught.value, vault_paths.root)
    assert f"{short_wait:g} seconds" in caught.value.message
    assert _state(desk) == before
    add_patients(desk, 3)  # once the other task lets go, the same save works


def test_a_vault_held_at_sign_in_is_busy_not_damaged(
    desk: Desk, vault_paths: VaultPaths, short_wait: float
) -> None:
    """Before issue 18 this said "damaged ... restore the latest backup"."""
    key = desk.key
    desk.close()
    with held(vault_paths, key, exclusive=True), pytest.raises(DatabaseBusy):
        unlock(vault_paths, ADMIN, PASSWORD)
    unlock(vault_paths, ADMIN, PASSWORD).close()  # nothing was left locked or changed


def test_a_full_disk_during_the_upgrade_leaves_the_old_vault(
    vault_paths: VaultPaths, fast_kdf: None
) -> None:
    previous = "0004"  # before the extras migration (0005): the upgrade has an index to build
    key = build_old_vault(vault_paths, previous)
    engine = build_engine(vault_paths.database, key)
    with engine.begin() as conn:  # the upgrade has an index to build and fill
        for extra in schema_extras.EXTRAS:
            conn.exec_driver_sql(f"DROP {extra.kind.upper()} {extra.name}")
    insert_rows(engine, old_data(60).patients)
    engine.dispose()

    with on_every_connection(Pool, full), pytest.raises(DiskFull):
        unlock(vault_paths, ADMIN, PASSWORD)
    check = build_engine(vault_paths.database, key)
    try:
        assert migrate.schema_version(check) == int(previous)  # the upgrade rolled back whole
        with check.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        check.dispose()

    desk = unlock(vault_paths, ADMIN, PASSWORD)  # with space again: upgraded, data there
    try:
        assert migrate.schema_version(desk.engine) == migrate.SCHEMA_VERSION
        assert len(desk.patients.search("Vault", limit=100)) == 59
    finally:
        desk.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_folder_nobody_may_write_is_read_only_not_in_use() -> None:
    """The lock file cannot be made in /proc (root included): before issue 18 that read as
    "open elsewhere"."""
    folder = Path("/proc/self")
    assert not faults.folder_writable(folder)
    with pytest.raises(FolderReadOnly) as caught:
        vault._take_lock(VaultPaths(folder))
    assert not isinstance(caught.value, VaultInUse)
    _one_line_naming(caught.value, folder)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/sys is Linux's")
def test_a_vault_cannot_be_created_where_nobody_may_write(fast_kdf: None) -> None:
    folder = Path("/sys/caredesk-vault")  # creating a folder in sysfs is refused, root included
    with pytest.raises(FolderReadOnly) as caught:
        vault.create_vault(VaultPaths(folder), ADMIN, PASSWORD)
    _one_line_naming(caught.value, folder)


def test_an_io_error_saves_nothing(desk: Desk, vault_paths: VaultPaths) -> None:
    add_patients(desk, 10)
    before = _state(desk)
    desk.close()
    child = run_module(
        "tests.reliability.storage_writer",
        str(vault_paths.root),
        env={"CAREDESK_USER": ADMIN, "CAREDESK_PASSWORD": PASSWORD},
    )
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1, (out, err)
    first = out.splitlines()[0]
    assert first.startswith(f"{DiskError.__name__}: The disk holding {vault_paths.root}"), out
    assert "Traceback" not in err, err
    again = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        mrns, events = _state(again)
        assert mrns == before[0]  # none of the child's patients
        assert events > before[1]  # only sign-ins and sign-outs were added
    finally:
        again.close()


def test_other_database_errors_stay_what_they_are(desk: Desk) -> None:
    """Only storage failures are mapped: a broken rule is still a bug, not a disk problem."""
    (pid,) = add_patients(desk, 1)
    with pytest.raises(IntegrityError), desk.writing() as tx:
        tx.session.add(
            Patient(
                id=pid, mrn="X", given_name="A", family_name="B", birth_date=desk.opened_at.date()
            )
        )
        tx.session.flush()


def test_a_folder_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    """SQLITE_CANTOPEN, from the real driver: the folder is not there (or not allowed)."""
    missing = tmp_path / "gone"
    with pytest.raises(sqlcipher3.OperationalError) as caught:
        sqlcipher3.connect(str(missing / "vault.db")).execute("SELECT 1")
    fault = faults.storage_fault(caught.value, missing)
    assert isinstance(fault, FolderReadOnly) and str(missing) in fault.message
