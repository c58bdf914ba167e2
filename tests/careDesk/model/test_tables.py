"""The tables the base models declare are the tables the migrations build: deriving the table
models from base models (issue 18) changed no column, type or nullability. (A column a later
migration adds sits last in an older vault, so columns compare by name.)"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

import careDesk.model  # noqa: F401  (registers every table)
from careDesk.desk import Desk


def test_every_table_matches_the_migrated_vault(desk: Desk) -> None:
    with desk.engine.connect() as conn:
        for name, table in SQLModel.metadata.tables.items():
            rows = conn.execute(text(f'PRAGMA table_info("{name}")')).all()
            stored = {row.name: (row.type, not row.notnull or row.pk >= 1) for row in rows}
            declared = {
                c.name: (str(c.type.compile(conn.dialect)), c.nullable or c.primary_key)
                for c in table.columns
            }
            assert stored == declared, name
