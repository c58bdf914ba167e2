"""Schema versions: Alembic migrations from the first schema on.

``PRAGMA user_version`` holds the schema number, so opening a vault checks it with one pragma
(qutebrowser does the same); Alembic's own table records the exact revision. A vault newer than
this app is refused before anything is written; an older one is backed up, then migrated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

SCHEMA_VERSION = 7
_HERE = Path(__file__).parent / "migrations"


def alembic_config(connection: Any | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def schema_version(engine: Engine) -> int:
    """The schema number written in the vault (0 for a brand-new file)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def upgrade(engine: Engine) -> None:
    """Bring the vault's schema to this app's version, in one transaction."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        conn.execute(text(f"PRAGMA user_version = {SCHEMA_VERSION}"))
