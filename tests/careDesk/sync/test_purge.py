"""The tombstone purge works clinic by clinic and never breaks a new workstation's first sync."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from careDesk.model.base import new_id
from careDesk.model.patient import Patient
from tests.careDesk.sync.conftest import Workstation


def _everyone_caught_up(admin: psycopg.Connection[Any], clinic: str) -> None:
    admin.execute(
        "UPDATE sync.client SET cursor_txid = pg_snapshot_xmin(pg_current_snapshot())"
        " WHERE clinic_id = %s",
        (clinic,),
    )


def _on_server(admin: psycopg.Connection[Any], table: str, row_id: str) -> bool:
    row = admin.execute(f"SELECT count(*) FROM sync.{table} WHERE id = %s", (row_id,)).fetchone()
    return row == (1,)


def test_a_stale_workstation_of_another_clinic_does_not_hold_the_purge_back(
    pair: tuple[Workstation, Workstation], admin: psycopg.Connection[Any], clinic: str
) -> None:
    a, _ = pair
    gone = a.desk.patients.create(
        mrn="P-1", given_name="Rui", family_name="Sá", birth_date=date(1948, 5, 1)
    ).value.id
    a.desk.patients.remove(gone)
    a.sync()
    other = "other-" + new_id()[-12:]
    admin.execute(
        "INSERT INTO sync.client (client_id, clinic_id, role_name, schema_version, cursor_txid)"
        " VALUES (%s, %s, current_user, 1, '0')",
        (new_id(), other),
    )
    _everyone_caught_up(admin, clinic)
    horizons = dict(admin.execute("SELECT clinic, horizon FROM sync.purge()").fetchall())
    assert clinic in horizons and other not in horizons
    assert not _on_server(admin, "patient", gone)


def test_a_tombstone_still_pointed_at_is_kept_and_a_new_workstation_bootstraps(
    pair: tuple[Workstation, Workstation],
    admin: psycopg.Connection[Any],
    clinic: str,
    make_workstation: Any,
) -> None:
    a, _ = pair
    pid = a.desk.patients.create(
        mrn="P-2", given_name="Lia", family_name="Reis", birth_date=date(1951, 2, 3)
    ).value.id
    a.desk.clinical.add_condition(pid, display="Type 2 diabetes", icd10="E11.9")
    a.desk.patients.remove(pid)  # the patient is a tombstone; the condition row points at it
    a.sync()
    _everyone_caught_up(admin, clinic)
    admin.execute("SELECT * FROM sync.purge()")
    assert _on_server(admin, "patient", pid)

    c = make_workstation("cleo")
    c.sync()  # the snapshot's foreign keys hold
    with c.desk.reading() as session:
        row = session.get(Patient, pid)
    assert row is not None and row.deleted_at is not None


def test_an_idle_workstation_can_be_left_behind_and_bootstraps_again(
    pair: tuple[Workstation, Workstation], admin: psycopg.Connection[Any], clinic: str
) -> None:
    a, b = pair
    gone = a.desk.patients.create(
        mrn="P-3", given_name="Iva", family_name="Luz", birth_date=date(1960, 7, 8)
    ).value.id
    a.sync()
    b.sync()
    a.desk.patients.remove(gone)
    a.sync()
    a.sync()
    admin.execute(
        "UPDATE sync.client SET last_pull = now() - interval '200 days', cursor_txid = '0'"
        " WHERE clinic_id = %s AND role_name = %s",
        (clinic, b.login),
    )
    admin.execute(
        "UPDATE sync.client SET cursor_txid = pg_snapshot_xmin(pg_current_snapshot())"
        " WHERE clinic_id = %s AND role_name = %s",
        (clinic, a.login),
    )
    assert clinic not in dict(admin.execute("SELECT clinic, horizon FROM sync.purge()").fetchall())
    assert clinic in dict(
        admin.execute("SELECT clinic, horizon FROM sync.purge(interval '90 days')").fetchall()
    )
    assert not _on_server(admin, "patient", gone)
    b.sync()  # left behind: it takes a new snapshot, and the removed patient is gone there too
    with b.desk.reading() as session:
        row = session.get(Patient, gone)
    assert row is not None and row.deleted_at is not None
