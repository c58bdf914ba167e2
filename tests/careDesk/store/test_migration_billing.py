"""Schema 8 (issue 19): time entries made before billing categories count as CCM, as the
minutes report counted them before."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.model.timeline import TimeEntry
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.vault import unlock
from tests.careDesk.care.clinic_rows import patient, store
from tests.careDesk.store.old_vault import downgraded
from tests.conftest import ADMIN, PASSWORD


def test_time_entries_from_before_schema_9_become_ccm(desk: Desk, vault_paths: VaultPaths) -> None:
    p = patient("MIG-8")
    store(desk, p)
    store(
        desk,
        TimeEntry(patient_id=p.id, user_id=desk.user.id, on_date=date(2026, 9, 3), minutes=25,
                  activity="call"),
    )  # fmt: skip
    key = desk.key
    desk.close()
    with downgraded(vault_paths.database, key, "0008") as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info('time_entry')"))]
    assert "category" not in columns  # what a schema-7 vault looks like
    upgraded = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(upgraded.engine) == migrate.SCHEMA_VERSION
        [entry] = upgraded.timeline.time_entries(p.id)
        assert (entry.minutes, entry.category) == (25, "ccm")
        [row] = upgraded.billing.month(2026, 9)
        assert (row.category, row.minutes) == ("ccm", 25)
    finally:
        upgraded.close()
