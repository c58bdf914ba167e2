"""New vaults have 8 KiB pages authenticated with HMAC-SHA256; vaults an older careDesk made
(SQLCipher's 4 KiB pages with HMAC-SHA512, then 8 KiB pages with HMAC-SHA512) keep working: they
open, take writes, back up and restore in their own format, also with a write-ahead log a crash
left.

An encrypted vault's page size sits inside its encrypted header and the first page's check needs
the right HMAC, so the app must name both before SQLCipher reads the first page
(careDesk/store/engine.py)."""

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


def _format(desk: Desk) -> engine.PageFormat:
    with desk.engine.connect() as conn:
        size = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)
        hmac = str(conn.exec_driver_sql("PRAGMA cipher_hmac_algorithm").scalar())
    return engine.PageFormat(size, hmac)


def _mrns(desk: Desk) -> list[str]:
    with desk.reading() as session:
        return sorted(p.mrn for p in session.exec(select(Patient)))


# SQLCipher 4's defaults (every careDesk vault made before 5 December), then 8 KiB pages.
MADE_BEFORE = [engine.PageFormat(4096, "HMAC_SHA512"), engine.PageFormat(8192, "HMAC_SHA512")]


@pytest.fixture(params=MADE_BEFORE, ids=lambda f: f"{f.size // 1024}KiB-{f.hmac}")
def older(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fast_kdf: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[VaultPaths]:
    """A vault made in a format an earlier careDesk used, holding two patients; this process
    then knows nothing of it (as after a restart)."""
    paths = VaultPaths(tmp_path / "older")
    with monkeypatch.context() as m:
        m.setattr(engine, "FORMAT", request.param)
        desk, _ = create_vault(paths, ADMIN, PASSWORD)
        assert _format(desk) == request.param
        add_patients(desk, 2, prefix="OLD")
        desk.close()
    engine._SEEN.clear()
    yield paths
    engine._SEEN.clear()


def test_a_new_vault_has_8_KiB_pages_authenticated_with_HMAC_SHA256(desk: Desk) -> None:
    assert _format(desk) == engine.PageFormat(8192, "HMAC_SHA256")
    assert engine.FORMAT not in engine.OLDER_FORMATS
    assert set(MADE_BEFORE) == set(engine.OLDER_FORMATS)


def test_a_vault_made_before_opens_takes_writes_backs_up_and_restores_in_its_format(
    older: VaultPaths, tmp_path: Path
) -> None:
    desk = unlock(older, ADMIN, PASSWORD)
    try:
        shape = _format(desk)
        assert shape != engine.FORMAT
        add_patients(desk, 1, prefix="NEW")
        assert len(_mrns(desk)) == 3
        archive = tmp_path / "older.cdbak"
        desk.backups.make(archive)
    finally:
        desk.close()
    elsewhere = VaultPaths(tmp_path / "elsewhere")
    made, _ = create_vault(elsewhere, ADMIN, PASSWORD)
    made.close()
    engine._SEEN.clear()  # a new process: nothing known of either vault
    restore_vault(archive, elsewhere, Credentials(ADMIN, PASSWORD), replace_with_other_vault=True)
    restored = unlock(elsewhere, ADMIN, PASSWORD)
    try:
        assert _format(restored) == shape
        assert len(_mrns(restored)) == 3
        add_patients(restored, 1, prefix="AFTER")
        assert len(_mrns(restored)) == 4
    finally:
        restored.close()


def test_a_vault_made_before_opens_with_the_log_a_crash_left(
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
    engine._SEEN.clear()
    logged = engine.formats(crashed.database)[0].size  # the size the log's header gives
    after = unlock(crashed, ADMIN, PASSWORD)
    try:
        assert logged == _format(after).size
        assert len(_mrns(after)) == 5
    finally:
        after.close()
