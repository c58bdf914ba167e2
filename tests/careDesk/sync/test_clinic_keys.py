"""The sync server keeps each clinic's workstations and pushed mutations apart (issue 16).

A vault copied or restored into another clinic keeps its client id and its mutation ids. Keyed
by those alone, the second clinic's sync failed on the first clinic's rows (which row-level
security hides from it) and learned that they exist; keyed by clinic too, each clinic has its
own. Real PostgreSQL 15 (tests/pg_fixtures.py), real vaults, a real backup and restore.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from careDesk.model.base import new_id
from careDesk.paths import VaultPaths
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import unlock
from careDesk.sync import setup
from careDesk.sync.connection import SyncRefused
from tests.pg_fixtures import PASSWORD


def _other_clinic(pg: Any, name: str) -> tuple[str, str]:
    """A clinic of its own on the server, and a login ``name_…`` for it (password
    ``name-pw``): (clinic, login)."""
    other, login = "other-" + new_id()[-12:], f"{name}_" + new_id()[-12:]
    with psycopg.connect(pg.admin_url()) as conn:
        setup.add_login(conn, login, f"{name}-pw", other)
    return other, login


def test_a_copied_vault_is_refused_in_another_clinic(
    make_workstation: Any, pg: Any, admin: psycopg.Connection[Any], clinic: str, tmp_path: Path
) -> None:
    anna = make_workstation("anna")
    anna.desk.patients.create(
        mrn="A-1", given_name="Ana", family_name="Lee", birth_date=date(1950, 1, 2)
    )
    anna.sync()  # the workstation has its client id from now on
    anna.desk.patients.create(
        mrn="A-2", given_name="Bo", family_name="Lee", birth_date=date(1951, 1, 2)
    )
    archive = tmp_path / "anna.cdbak"
    anna.desk.backups.make(archive)
    copy_paths = VaultPaths(tmp_path / "copy")
    restore_vault(archive, copy_paths, Credentials("admin", PASSWORD))  # same client id, outbox
    anna.sync()

    other, login = _other_clinic(pg, "olga")
    copy = unlock(copy_paths, "admin", PASSWORD)
    try:
        copy.settings.set("sync.user", login)
        copy.settings.set("sync.password", "olga-pw")
        assert copy.sync.status().client_id == anna.desk.sync.status().client_id
        # It holds the first clinic's records: another clinic's login is refused, nothing sent
        with pytest.raises(SyncRefused, match="this login belongs to another clinic") as no:
            copy.sync.run()
        assert no.value.code == "refused-clinic"
        assert admin.execute(
            "SELECT count(*) FROM sync.patient WHERE clinic_id = %s", (other,)
        ).fetchone() == (0,)
        # A vault an older careDesk synced did not remember its clinic: the clinic it joined
        # knows its workstation id, this login's does not, so it is refused all the same
        with copy.writing(None) as tx:
            tx.session.execute(text("DELETE FROM setting WHERE key = 'sync.clinic'"))
        with pytest.raises(SyncRefused, match="another clinic") as no:
            copy.sync.run()
        assert no.value.code == "refused-clinic"
        assert admin.execute(
            "SELECT count(*) FROM sync.patient WHERE clinic_id = %s", (other,)
        ).fetchone() == (0,)
        # With its own clinic's login it syncs, and remembers that clinic from then on
        copy.settings.set("sync.user", anna.login)
        copy.settings.set("sync.password", f"pw-{anna.login}")
        copy.sync.run()
        with copy.reading() as session:
            held = session.execute(
                text("SELECT value FROM setting WHERE key = 'sync.clinic'")
            ).scalar_one()
        assert held == clinic
    finally:
        copy.close()


def test_a_server_keyed_globally_is_rekeyed_by_clinic_on_upgrade(
    admin: psycopg.Connection[Any], pg: Any
) -> None:
    # An old server could not hold one id in two clinics: make the shared cluster look like one.
    for table, key in (("client", "client_id"), ("applied", "mutation_id")):
        admin.execute(
            f"DELETE FROM sync.{table} c WHERE EXISTS (SELECT 1 FROM sync.{table} d"
            f" WHERE d.{key} = c.{key} AND d.clinic_id < c.clinic_id)"
        )
    admin.execute(
        "ALTER TABLE sync.client DROP CONSTRAINT client_pkey, ADD PRIMARY KEY (client_id)"
    )
    admin.execute(
        "ALTER TABLE sync.applied DROP CONSTRAINT applied_pkey, ADD PRIMARY KEY (mutation_id)"
    )
    with psycopg.connect(pg.admin_url()) as conn:
        setup.install(conn)
    keys = admin.execute(
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid IN ('sync.client'::regclass, 'sync.applied'::regclass)"
        " AND contype = 'p' ORDER BY 1"
    ).fetchall()
    assert keys == [
        ("sync.applied", "PRIMARY KEY (clinic_id, mutation_id)"),
        ("sync.client", "PRIMARY KEY (clinic_id, client_id)"),
    ]


def test_a_first_syncs_cursor_gives_a_login_its_own_clinics_rows_and_nothing_else(
    make_workstation: Any, pg: Any, clinic: str
) -> None:
    """The server opens the snapshot's cursor inside a SECURITY DEFINER function (rows stream
    instead of being gathered first): row-level security still applies to what it gives, and
    the login still has no privilege on the table itself."""
    anna = make_workstation("anna")
    anna.desk.patients.create(
        mrn="K-1", given_name="Ana", family_name="Kim", birth_date=date(1950, 1, 2)
    )
    anna.sync()
    _, login = _other_clinic(pg, "omar")

    def mrns(role: str, password: str, json_rows: bool) -> list[str]:
        # This version's cursor (each row as JSON), and the typed one of the version before.
        function, cursor = (
            ("snapshot_json_patient", "snapshot_json_patient")
            if json_rows
            else ("snapshot_cursor_patient", "snapshot_patient")
        )
        with psycopg.connect(pg.url(), user=role, password=password) as conn:
            conn.execute(f"SELECT sync.{function}()")
            rows = conn.execute(f"FETCH ALL FROM {cursor}").fetchall()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT mrn FROM sync.patient")
            # The columns in the vault's order: mrn is the 7th.
            return [str(json.loads(r[1])[6] if json_rows else r[6]) for r in rows]

    mine = anna.desk.settings.get("sync.user")
    for json_rows in (True, False):
        assert "K-1" in mrns(mine, f"pw-{mine}", json_rows)
        assert mrns(login, "omar-pw", json_rows) == []


def test_a_workstation_given_another_clinics_login_pulls_nothing_of_that_clinic(
    make_workstation: Any, pg: Any, admin: psycopg.Connection[Any], clinic: str
) -> None:
    """Found by trying it: a desk of one clinic switched to a login of another pulled the other
    clinic's patients in beside its own, and sent its edits where no one had the rows. The
    vault keeps the clinic it joined; another clinic's login is refused, by Test connection
    too, and the right login syncs again."""
    anna = make_workstation("anna")
    anna.desk.patients.create(
        mrn="K-1", given_name="Ana", family_name="Lee", birth_date=date(1950, 1, 2)
    )
    anna.sync()
    other, login = _other_clinic(pg, "otto")
    otto = make_workstation("otto")
    otto.desk.settings.set("sync.user", login)
    otto.desk.settings.set("sync.password", "otto-pw")
    otto.desk.patients.create(
        mrn="K-9", given_name="Oda", family_name="Berg", birth_date=date(1960, 3, 4)
    )
    otto.sync()  # the other clinic has a patient

    mine = anna.desk.settings.get("sync.user")
    anna.desk.settings.set("sync.user", login)
    anna.desk.settings.set("sync.password", "otto-pw")
    for attempt in (anna.sync, anna.desk.sync.check_connection):
        with pytest.raises(SyncRefused, match=rf"another clinic \({other}\)") as refused:
            attempt()
        assert refused.value.code == "refused-clinic"
    assert [p.mrn for p in anna.desk.patients.search("", limit=10)] == ["K-1"]
    assert anna.desk.sync.status().last_error == "refused-clinic"
    anna.desk.settings.set("sync.user", mine)
    anna.desk.settings.set("sync.password", f"pw-{mine}")
    anna.sync()
    assert anna.desk.sync.status().last_error is None
