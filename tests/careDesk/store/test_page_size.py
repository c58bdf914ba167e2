"""New vaults have 8 KiB pages; vaults an older careDesk made have SQLCipher's 4 KiB and keep
working: they open, take writes, back up and restore, also with a write-ahead log a crash left.

An encrypted vault's page size sits inside its encrypted header, so the app must name it before
SQLCipher reads the first page (careDesk/store/engine.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store import engine
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import create_vault, unlock
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD


def _page_size(desk: Desk) -> int:
    with desk.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)


def _mrns(desk: Desk) -> list[str]:
    with desk.reading() as session:
        return sorted(p.mrn for p in session.exec(select(Patient)))


@pytest.fixture
def older(tmp_path: Path, fast_kdf: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[VaultPaths]:
    """A vault made with 4 KiB pages, as every careDesk before this one made them, holding two
    patients; this process then knows nothing of it (as after a restart)."""
    paths = VaultPaths(tmp_path / "older")
    with monkeypatch.context() as m:
        m.setattr(engine, "PAGE_BYTES", 4096)
        desk, _ = create_vault(paths, ADMIN, PASSWORD)
        add_patients(desk, 2, prefix="OLD")
        desk.close()
    engine._SIZE_SEEN.clear()
    yield paths
    engine._SIZE_SEEN.clear()


def test_a_new_vault_has_8_KiB_pages(desk: Desk) -> None:
    assert _page_size(desk) == 8192


def test_a_vault_with_4_KiB_pages_opens_takes_writes_backs_up_and_restores(
    older: VaultPaths, tmp_path: Path
) -> None:
    desk = unlock(older, ADMIN, PASSWORD)
    try:
        assert _page_size(desk) == 4096
        add_patients(desk, 1, prefix="NEW")
        assert len(_mrns(desk)) == 3
        archive = tmp_path / "older.cdbak"
        desk.backups.make(archive)
    finally:
        desk.close()
    elsewhere = VaultPaths(tmp_path / "elsewhere")
    made, _ = create_vault(elsewhere, ADMIN, PASSWORD)
    made.close()
    engine._SIZE_SEEN.clear()  # a new process: nothing known of either vault
    restore_vault(archive, elsewhere, Credentials(ADMIN, PASSWORD), replace_with_other_vault=True)
    restored = unlock(elsewhere, ADMIN, PASSWORD)
    try:
        assert _page_size(restored) == 4096
        assert len(_mrns(restored)) == 3
        add_patients(restored, 1, prefix="AFTER")
        assert len(_mrns(restored)) == 4
    finally:
        restored.close()


def test_a_4_KiB_vault_opens_with_the_log_a_crash_left(
    older: VaultPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vault's files copied while it was open, with committed writes still only in the
    write-ahead log (as a power cut leaves them): every committed patient is there. The log's
    header names its page size, so the vault is opened at that size at once."""
    monkeypatch.setattr(engine, "CHECKPOINT_BYTES", 1 << 40)  # the log is never copied in
    desk = unlock(older, ADMIN, PASSWORD)
    crashed = VaultPaths(tmp_path / "crashed")
    try:
        add_patients(desk, 3, prefix="LOG")
        wal = Path(f"{older.database}-wal")
        assert wal.stat().st_size > 0
        crashed.root.mkdir()
        for f in (older.database, wal, older.key_slots, older.head):
            shutil.copy2(f, crashed.root / f.name)
    finally:
        desk.close()
    engine._SIZE_SEEN.clear()
    assert engine.page_sizes(crashed.database)[0] == 4096  # the size the log's header gives
    after = unlock(crashed, ADMIN, PASSWORD)
    try:
        assert len(_mrns(after)) == 5
    finally:
        after.close()
