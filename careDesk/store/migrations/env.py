"""Alembic environment: migrations run on the already-keyed connection the vault hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import careDesk.model  # noqa: F401  (registers every table on the metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
