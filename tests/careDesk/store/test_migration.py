"""Opening a vault from an older careDesk: a verified backup first, then the upgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.backup import restore_backup, verify_backup
from careDesk.store.engine import build_engine
from careDesk.store.vault import unlock
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD


def _back_to_schema_1(paths: VaultPaths, key: bytes) -> bool:
    """What a vault written by the first release looks like (downgraded in place, closed);
    returns whether its MRN index is unique then."""
    engine = build_engine(paths.database, key)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0001")
            conn.execute(text("PRAGMA user_version = 1"))
            rows = conn.execute(text("PRAGMA index_list('patient')")).all()
    finally:
        engine.dispose()
    return any(r[1] == "ix_patient_mrn" and r[2] == 1 for r in rows)


def _mrn_index_unique(desk: Desk) -> bool:
    with desk.reading() as session:
        rows = session.execute(text("PRAGMA index_list('patient')")).all()
    return any(r[1] == "ix_patient_mrn" and r[2] == 1 for r in rows)


def test_an_old_vault_is_backed_up_then_upgraded(desk: Desk, vault_paths: VaultPaths) -> None:
    ids = add_patients(desk, 25)
    assert migrate.SCHEMA_VERSION == 3
    key = desk.key
    desk.close()
    assert _back_to_schema_1(vault_paths, key)

    upgraded = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(upgraded.engine) == 3
        assert not _mrn_index_unique(upgraded)
        assert len(upgraded.patients.search("Alex", limit=100)) == len(ids)
    finally:
        upgraded.close()

    (backup,) = vault_paths.backups.glob("before-schema-1-*")
    manifest = verify_backup(backup)
    assert manifest["schema"] == 1  # the backup holds the vault as it was

    # Restoring it gives the old vault back, which upgrades again when opened.
    restore_backup(backup, vault_paths)
    again = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(again.engine) == 3
        assert len(again.patients.search("Alex", limit=100)) == len(ids)
    finally:
        again.close()
