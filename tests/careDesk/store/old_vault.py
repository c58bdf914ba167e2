"""Vaults as an older careDesk made them: a real SQLCipher vault built by the migrations up to an
earlier revision (not a current vault downgraded), with rows written at that schema.

Rows are written with SQLAlchemy Core against the columns the old schema really has (reflected
from the file), so the same helper keeps working when a later migration adds a column.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, insert, text
from sqlmodel import SQLModel

from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.model.risk import RiskScore
from careDesk.model.schedule import FollowUp
from careDesk.model.security import Setting, User, user_id
from careDesk.paths import VaultPaths, private_dir, write_private_atomic
from careDesk.security.roles import Role
from careDesk.store import keyslots, migrate
from careDesk.store.engine import build_engine
from careDesk.store.vault import unlock
from tests.careDesk.security.legacy import old_slot
from tests.conftest import ADMIN, PASSWORD

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def revisions() -> list[str]:
    """Every migration revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head() -> str:
    return revisions()[-1]


def insert_rows(engine: Engine, rows: Iterable[SQLModel]) -> None:
    """Insert model objects with only the columns the vault's schema has."""
    with engine.begin() as conn:
        schema = MetaData()
        schema.reflect(conn)
        for row in rows:
            table = schema.tables[row.__class__.__tablename__]  # type: ignore[attr-defined]
            values = {c.name: getattr(row, c.name) for c in table.columns if hasattr(row, c.name)}
            conn.execute(insert(table).values(**values))


@dataclass(frozen=True)
class OldData:
    """What was written into the old vault, to compare after the upgrade."""

    patients: list[Patient]
    follow_ups: list[FollowUp]
    scores: list[RiskScore]


def old_data(count: int = 6) -> OldData:
    """Patients (one with Vietnamese diacritics), an open follow-up each, a risk score each."""
    patients = [
        Patient(
            mrn=f"OLD{i:03d}",
            given_name="Lan" if i == 0 else f"Old{i}",
            family_name="Nguyễn" if i == 0 else "Vault",
            birth_date=date(1940 + i, 2, 3),
            phone="555-0199",
            phone_digits="5550199",
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(count)
    ]
    follow_ups = [
        FollowUp(
            patient_id=p.id,
            kind="call",
            title="Check in after the clinic visit",
            due_at=(NOW + timedelta(days=i)).replace(tzinfo=None),
            urgent=i % 2 == 0,
            created_at=NOW,
            updated_at=NOW,
        )
        for i, p in enumerate(patients)
    ]
    scores = [
        RiskScore(patient_id=p.id, priority=float(10 * i), band="low", computed_at=NOW)
        for i, p in enumerate(patients)
    ]
    return OldData(patients, follow_ups, scores)


def build_old_vault(paths: VaultPaths, revision: str, data: OldData | None = None) -> bytes:
    """A vault whose schema was made by the migrations up to ``revision`` (its schema number in
    ``PRAGMA user_version``), with the admin (``ADMIN``/``PASSWORD``) and ``data``; returns the
    database key."""
    private_dir(paths.root)
    key = os.urandom(keyslots.KEY_BYTES)
    engine = build_engine(paths.database, key)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), revision)
            conn.execute(text(f"PRAGMA user_version = {int(revision)}"))
        admin = User(id=user_id(ADMIN), login=ADMIN, display_name="Old admin", role=Role.ADMIN)
        setting = Setting(key="clinic.name", value="Old clinic", updated_at=NOW)
        rows: list[SQLModel] = [admin, setting]
        if data is not None:
            rows += [*data.patients, *data.follow_ups, *data.scores]
        insert_rows(engine, rows)
    finally:
        engine.dispose()
    vault_id = str(uuid.uuid4())
    # vault.keys as the releases before key pairs wrote it (format 1): the app upgrades it.
    slot = old_slot(vault_id, "password", ADMIN, PASSWORD, key)
    data = {"format": 1, "vault_id": vault_id, "slots": [slot]}
    write_private_atomic(paths.key_slots, json.dumps(data, indent=1, sort_keys=True).encode())
    return key


@contextmanager
def downgraded(database: Path, key: bytes, revision: str) -> Iterator[Connection]:
    """Take a closed vault's schema back to ``revision`` (its number in ``PRAGMA user_version``),
    as that release left it; yields the connection, in the same transaction, to look at it."""
    engine = build_engine(database, key)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), revision)
            conn.execute(text(f"PRAGMA user_version = {int(revision)}"))
            yield conn
    finally:
        engine.dispose()


@dataclass
class Reopened:
    """A vault taken back to an earlier schema and opened again by this app (so migrated)."""

    desk: Desk
    indexes_before: set[str]  # the table's indexes at the earlier schema
    indexes_after: set[str]  # and once migrated


@contextmanager
def reopened_from(desk: Desk, paths: VaultPaths, revision: str, table: str) -> Iterator[Reopened]:
    """Close ``desk``, take its vault back to ``revision``, and unlock it again as the admin (this
    app migrates it); yields the migrated desk with ``table``'s indexes before and after, and
    closes it after the block."""

    def indexes(conn: Connection) -> set[str]:
        return {str(r[1]) for r in conn.execute(text(f"PRAGMA index_list('{table}')"))}

    key = desk.key
    desk.close()
    with downgraded(paths.database, key, revision) as conn:
        before = indexes(conn)
    upgraded = unlock(paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(upgraded.engine) == migrate.SCHEMA_VERSION
        with upgraded.engine.connect() as conn:
            after = indexes(conn)
        yield Reopened(upgraded, before, after)
    finally:
        upgraded.close()
