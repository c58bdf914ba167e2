"""Opening a vault an older careDesk made (issue 18): the data survives, the schema reaches the
current one, and the backup taken first holds the old vault.

The old vaults are built by the migrations up to an earlier revision on a real SQLCipher file
(``tests/careDesk/store/old_vault.py``), not by downgrading a current vault, and opened with the
app's own ``unlock``.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.model.risk import RiskScore
from careDesk.model.schedule import FollowUp
from careDesk.paths import VaultPaths
from careDesk.security.audit import verify_chain
from careDesk.store import migrate, schema_extras
from careDesk.store.backup import seal_matches, verify_backup
from careDesk.store.engine import build_engine, raw_connect
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import unlock, unwrap_database_key
from tests.careDesk.store.old_vault import (
    OldData,
    build_old_vault,
    head,
    insert_rows,
    old_data,
    revisions,
)
from tests.conftest import ADMIN, PASSWORD

EARLIER = revisions()[:-1]
PREVIOUS = EARLIER[-1]


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def _fts_consistent(desk: Desk) -> None:
    """FTS5's own check that the search index matches the patient table (raises if not)."""
    with desk.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO patient_search(patient_search, rank) VALUES ('integrity-check', 1)"
        )


def _assert_data_survived(desk: Desk, data: OldData) -> None:
    with desk.reading() as session:
        patients = {p.id: p for p in session.exec(select(Patient))}
        follow_ups = {f.id: f for f in session.exec(select(FollowUp))}
        scores = {s.patient_id: s for s in session.exec(select(RiskScore))}
    assert sorted(patients) == sorted(p.id for p in data.patients)
    for old in data.patients:
        new = patients[old.id]
        assert (new.mrn, new.given_name, new.family_name, new.birth_date) == (
            old.mrn,
            old.given_name,
            old.family_name,
            old.birth_date,
        )
    assert sorted(follow_ups) == sorted(f.id for f in data.follow_ups)
    for old_f in data.follow_ups:
        assert _naive(follow_ups[old_f.id].due_at) == _naive(old_f.due_at)
        assert follow_ups[old_f.id].urgent == old_f.urgent
    assert {pid: s.priority for pid, s in scores.items()} == {
        s.patient_id: s.priority for s in data.scores
    }


@pytest.mark.parametrize("revision", EARLIER)
def test_a_vault_from_an_earlier_schema_opens_with_its_data(
    revision: str, vault_paths: VaultPaths, fast_kdf: None
) -> None:
    data = old_data()
    build_old_vault(vault_paths, revision, data)

    desk = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(desk.engine) == migrate.SCHEMA_VERSION
        with desk.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                head()
            )
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert schema_extras.missing_extras(conn) == []
        _assert_data_survived(desk, data)
        # The search index covers the old rows: "nguyen" finds "Nguyễn" (accents removed).
        assert [row.mrn for row in desk.patients.search("nguyen")] == ["OLD000"]
        _fts_consistent(desk)
        with desk.reading() as session:
            verify_chain(session, desk.vault_id)
        # And the upgraded vault takes new work.
        added = desk.patients.create(
            given_name="New", family_name="Patient", mrn="NEW-1", birth_date="1960-05-05"
        ).value
        assert [row.id for row in desk.patients.search("NEW-1")] == [added.id]
    finally:
        desk.close()

    again = unlock(vault_paths, ADMIN, PASSWORD)  # already current: no second upgrade or backup
    again.close()
    assert len(list(vault_paths.backups.glob("before-schema-*"))) == 1


def test_the_backup_before_the_upgrade_holds_the_old_vault(
    vault_paths: VaultPaths, tmp_path: Path, fast_kdf: None
) -> None:
    data = old_data()
    key = build_old_vault(vault_paths, PREVIOUS, data)
    unlock(vault_paths, ADMIN, PASSWORD).close()

    (backup,) = vault_paths.backups.glob(f"before-schema-{int(PREVIOUS)}-*")
    manifest = verify_backup(backup)
    assert manifest["schema"] == int(PREVIOUS)
    assert seal_matches(manifest, key)

    # Unpacked on its own, the backup opens with the admin's password and is the old vault.
    copy = VaultPaths(tmp_path / "unpacked")
    copy.root.mkdir()
    with zipfile.ZipFile(backup) as archive:
        archive.extractall(copy.root, members=["vault.db", "vault.keys"])
    assert unwrap_database_key(copy, ADMIN, PASSWORD)[0] == key
    conn = raw_connect(copy.database, key, readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == int(PREVIOUS)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == PREVIOUS
        mrns = sorted(row[0] for row in conn.execute("SELECT mrn FROM patient"))
    finally:
        conn.close()
    assert mrns == sorted(p.mrn for p in data.patients)

    # Restored over the upgraded vault, it gives the old data back and upgrades again.
    restore_vault(backup, vault_paths, Credentials(ADMIN, PASSWORD))
    restored = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(restored.engine) == migrate.SCHEMA_VERSION
        _assert_data_survived(restored, data)
    finally:
        restored.close()


def _drop_extras(paths: VaultPaths, key: bytes) -> None:
    """What a vault made before the extras joined the first migration's list looked like."""
    engine = build_engine(paths.database, key)
    try:
        with engine.begin() as conn:
            for extra in schema_extras.EXTRAS:
                conn.exec_driver_sql(f"DROP {extra.kind.upper()} {extra.name}")
            assert len(schema_extras.missing_extras(conn)) == len(schema_extras.EXTRAS)
    finally:
        engine.dispose()


def test_a_vault_without_the_extras_gets_them(vault_paths: VaultPaths, fast_kdf: None) -> None:
    key = build_old_vault(vault_paths, "0004")  # the schema before the extras migration (0005)
    _drop_extras(vault_paths, key)
    data = old_data()
    engine = build_engine(vault_paths.database, key)
    insert_rows(engine, data.patients)  # no triggers: these rows were never indexed
    engine.dispose()

    desk = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        with desk.engine.connect() as conn:
            assert schema_extras.missing_extras(conn) == []
        assert [row.mrn for row in desk.patients.search("nguyen")] == ["OLD000"]
        assert len(desk.patients.search("Vault", limit=100)) == len(data.patients) - 1
        _fts_consistent(desk)
        with pytest.raises(IntegrityError, match="append-only"), desk.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET action = 'edited'"))
        with desk.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM follow_up WHERE status = 'open' "
                "ORDER BY urgent DESC, due_at"
            ).fetchall()
        assert "ix_follow_up_open_urgent_due" in " ".join(str(row[-1]) for row in plan)
    finally:
        desk.close()


def _schema(desk: Desk) -> list[Any]:
    """The extras as SQLite holds them (later migrations may rebuild other tables' text)."""
    with desk.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        )
        return [tuple(row) for row in rows if schema_extras.is_extra(row[1])]


def test_the_extras_migration_is_idempotent(desk: Desk) -> None:
    desk.patients.create(given_name="Lan", family_name="Nguyễn", mrn="M1", birth_date="1950-01-01")
    before = _schema(desk)
    for _ in range(2):
        with desk.engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0004")  # before the extras (0005)
            command.upgrade(migrate.alembic_config(conn), "head")
    assert _schema(desk) == before
    assert [row.mrn for row in desk.patients.search("nguyen")] == ["M1"]
    _fts_consistent(desk)
    with Session(desk.engine) as session:
        names = session.exec(select(col(Patient.family_name))).all()
    assert names == ["Nguyễn"]
