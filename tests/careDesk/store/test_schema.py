"""The migrations build exactly the schema the models describe (issue 18).

A freshly migrated vault is compared with the SQLModel metadata by Alembic's own comparison
(``alembic.autogenerate.compare_metadata``: tables, columns, types, nullability, indexes,
unique and foreign keys); the only differences allowed are the hand-written extras named in
``careDesk/store/schema_extras.py``, and each of those must be there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import SQLModel

import careDesk.model  # noqa: F401  (every table on the metadata)
from careDesk.desk import Desk
from careDesk.store import migrate, schema_extras
from careDesk.store.engine import build_engine

VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"

# A released migration is history: vaults in clinics were made by exactly these scripts, so
# they never change (a fix is a new migration). SHA-256 of each script's text (LF line ends),
# by revision.
RELEASED = {
    "0001": "8e1f3a4565ca82cfd301cdef2929a4fcafd756625facad72cf7c1834305255f9",
    "0002": "0c0d03cc613a8ff048e2f6a96ecf091792b69bf09da82bd0993d024ddfdd7805",
    "0003": "99bfe27d3672fe55da9e922d486b3092a0e8003e53eb4d11d5058fd40d80ca7a",
}


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    return list(diff)


def _name(change: Any) -> str:
    """The table or index a top-level difference is about."""
    subject = change[1]
    return str(getattr(subject, "name", subject))


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Engine]:
    """A new encrypted database migrated to head, as create_vault does it."""
    engine = build_engine(tmp_path / "vault.db", b"\x01" * 32)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_a_fresh_vault_matches_the_models(fresh: Engine) -> None:
    differences = _differences(fresh)
    # Differences that are lists are column-level changes (type, nullability) of one table.
    column_changes = [change for change in differences if isinstance(change, list)]
    assert column_changes == []
    unexpected = [c for c in differences if not schema_extras.is_extra(_name(c))]
    assert unexpected == []
    # Everything Alembic does not model is there, and nothing else is left over.
    with fresh.connect() as conn:
        assert schema_extras.missing_extras(conn) == []
    kinds = {change[0] for change in differences}
    assert kinds <= {"remove_table", "remove_index"}  # extras are in the file, not the models


def test_the_comparison_sees_a_drifted_column(fresh: Engine) -> None:
    """The check above can fail: a column the models lack, or a missing index, shows up."""
    with fresh.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE patient ADD COLUMN nickname VARCHAR(40)")
        conn.exec_driver_sql("DROP INDEX ix_patient_family_name")
    found = {(change[0], _name(change)) for change in _differences(fresh)}
    assert ("add_index", "ix_patient_family_name") in found
    assert any(
        isinstance(change, tuple) and change[0] == "remove_column" and change[3].name == "nickname"
        for change in _differences(fresh)
    )


def test_the_schema_number_is_the_head_revision() -> None:
    """``PRAGMA user_version`` is what opening checks; it must name the last migration."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1  # one line of history, no branches
    assert int(heads[0]) == migrate.SCHEMA_VERSION


def test_a_desk_opens_on_the_current_schema(desk: Desk) -> None:
    assert migrate.schema_version(desk.engine) == migrate.SCHEMA_VERSION
    with desk.engine.connect() as conn:
        assert schema_extras.missing_extras(conn) == []
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert int(str(revision)) == migrate.SCHEMA_VERSION


@pytest.mark.parametrize("revision", sorted(RELEASED))
def test_released_migrations_never_change(revision: str) -> None:
    (script,) = VERSIONS.glob(f"{revision}_*.py")
    text = script.read_text(encoding="utf-8").replace("\r\n", "\n")
    assert hashlib.sha256(text.encode()).hexdigest() == RELEASED[revision], (
        f"{script.name} was released: put the change in a new migration instead"
    )
