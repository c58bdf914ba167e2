"""Regenerate the initial migration from the SQLModel tables (before the first release only).

Retired at schema 2: vaults at schema 1 exist, so 0001 is history now. Add each change as a new
revision in ``careDesk/store/migrations/versions`` (see 0002) and bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from careDesk.store.migrate import _HERE, alembic_config

VERSIONS = _HERE / "versions"
EXTRAS = '''
    from careDesk.store.schema_extras import create_extras

    create_extras(op)
'''


def main() -> None:
    if len(list(VERSIONS.glob("0*.py"))) > 1:
        raise SystemExit("later revisions exist: add a new revision instead of regenerating 0001")
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    engine = create_engine("sqlite://", module=sqlite3)
    with engine.begin() as conn:
        command.revision(
            alembic_config(conn), message="initial", autogenerate=True, rev_id="0001"
        )
    script = next(VERSIONS.glob("0001_*.py"))
    text = script.read_text()
    marker = "    # ### end Alembic commands ###\n"
    text = text.replace(marker, marker + EXTRAS, 1)
    script.write_text(text)
    print(f"wrote {script.relative_to(Path.cwd())}")


if __name__ == "__main__":
    main()
