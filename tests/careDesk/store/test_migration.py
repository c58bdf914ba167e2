"""Opening a vault from an older careDesk: a verified backup first, then the upgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import select

from careDesk.care.risk.engine import RULES_VERSION
from careDesk.desk import Desk
from careDesk.model.risk import RiskScore
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.backup import verify_backup
from careDesk.store.engine import build_engine
from careDesk.store.restore import Credentials, restore_vault
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
    assert migrate.SCHEMA_VERSION >= 4
    key = desk.key
    desk.close()
    assert _back_to_schema_1(vault_paths, key)

    upgraded = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(upgraded.engine) == migrate.SCHEMA_VERSION
        assert not _mrn_index_unique(upgraded)
        assert len(upgraded.patients.search("Alex", limit=100)) == len(ids)
    finally:
        upgraded.close()

    (backup,) = vault_paths.backups.glob("before-schema-1-*")
    manifest = verify_backup(backup)
    assert manifest["schema"] == 1  # the backup holds the vault as it was

    # Restoring it gives the old vault back, which upgrades again when opened.
    restore_vault(backup, vault_paths, Credentials(ADMIN, PASSWORD))
    again = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(again.engine) == migrate.SCHEMA_VERSION
        assert len(again.patients.search("Alex", limit=100)) == len(ids)
    finally:
        again.close()


def test_scores_from_older_rules_are_recomputed_after_the_upgrade(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    """Schema 3 (issue 15) changed how LACE and Charlson are scored: rows computed before it
    must not stand until the nightly refresh."""
    ids = add_patients(desk, 3)
    key = desk.key
    desk.close()  # closing writes a (signed) event: downgrade after, as an old vault would be
    engine = build_engine(vault_paths.database, key)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0002")
            conn.execute(text("PRAGMA user_version = 2"))
    finally:
        engine.dispose()

    upgraded = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        with upgraded.reading() as session:
            rows = session.exec(select(RiskScore)).all()
        assert sorted(r.patient_id for r in rows) == sorted(ids)
        assert {r.rules_version for r in rows} == {0}
        assert {r.lace_discharged for r in rows} == {None}
        assert upgraded.risk.refresh_outdated().value == 3
        with upgraded.reading() as session:
            assert {r.rules_version for r in session.exec(select(RiskScore))} == {RULES_VERSION}
        assert upgraded.risk.refresh_outdated().value == 0
    finally:
        upgraded.close()
