"""Schema versions: Alembic migrations from the first schema on.

``PRAGMA user_version`` holds the schema number, so opening a vault checks it with one pragma
(qutebrowser does the same); Alembic's own table records the exact revision. A vault newer than
this app is refused before anything is written; an older one is backed up, then migrated.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text

if TYPE_CHECKING:
    from alembic.config import Config

SCHEMA_VERSION = 11
_HERE = Path(__file__).parent / "migrations"


def alembic_config(connection: Any | None = None) -> Config:
    # Alembic is imported only when a migration is due (about 0.3 s of start-up otherwise).
    from alembic.config import Config

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
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        conn.execute(text(f"PRAGMA user_version = {SCHEMA_VERSION}"))
