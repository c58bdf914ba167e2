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


def test_an_uploaded_tombstone_stays_until_every_workstation_has_pulled_it(
    pair: tuple[Workstation, Workstation],
    admin: psycopg.Connection[Any],
    clinic: str,
    make_workstation: Any,
) -> None:
    """A vault joins with a patient it removed: its upload's change-log entry stands for several
    patients, and the purge keeps the removed one while a workstation has not pulled it."""
    a, b = pair
    c = make_workstation("cleo")
    ids = [
        c.desk.patients.create(
            mrn=f"P-{n}", given_name="Eva", family_name=f"Mar {n}", birth_date=date(1949, 1, 9)
        ).value.id
        for n in (5, 6, 7)
    ]
    gone = max(ids)  # not the entry's first row
    c.desk.patients.remove(gone)
    c.sync()
    entry = admin.execute(
        "SELECT row_id, ids FROM sync.change_log"
        " WHERE clinic_id = %s AND tbl = 'patient' AND ids IS NOT NULL",
        (clinic,),
    ).fetchall()
    assert entry == [(min(ids), sorted(ids))]
    admin.execute("SELECT * FROM sync.purge()")
    assert _on_server(admin, "patient", gone)  # anna and ben have not pulled the upload
    a.sync()
    b.sync()
    with b.desk.reading() as session:
        row = session.get(Patient, gone)
    assert row is not None and row.deleted_at is not None
    _everyone_caught_up(admin, clinic)
    admin.execute("SELECT * FROM sync.purge()")
    assert not _on_server(admin, "patient", gone)


def test_two_clinics_may_have_a_row_with_the_same_name_based_id(
    make_workstation: Any, pg: Any, admin: psycopg.Connection[Any], tmp_path: Any
) -> None:
    """A clinic's copy of a shipped template has an id from its key and number: the same in
    every clinic, and each clinic keeps its own (the server keys rows by clinic too)."""
    from careDesk.paths import VaultPaths
    from careDesk.store.vault import create_vault
    from careDesk.sync import setup
    from tests.conftest import PASSWORD

    a = make_workstation("anna")
    other_clinic, login = "other-" + new_id()[-12:], "olga_" + new_id()[-12:]
    with psycopg.connect(pg.admin_url()) as conn:
        setup.add_login(conn, login, "olga-pw", other_clinic)
    olga, _ = create_vault(VaultPaths(tmp_path / "olga"), "admin", PASSWORD)
    try:
        olga.settings.set("sync.url", pg.url())
        olga.settings.set("sync.user", login)
        olga.settings.set("sync.password", "olga-pw")
        mine = a.desk.templates.copy("copd", title="COPD (clinic A)").value
        theirs = olga.templates.copy("copd", title="COPD (clinic B)").value
        assert mine.id == theirs.id
        a.sync()
        olga.sync.run()
        titles = admin.execute(
            "SELECT clinic_id, title FROM sync.plan_template WHERE template_key = %s"
            " ORDER BY title",
            (mine.id,),
        ).fetchall()
        assert [t for _, t in titles] == ["COPD (clinic A)", "COPD (clinic B)"]
        assert olga.templates.get(theirs.id).title == "COPD (clinic B)"
    finally:
        olga.close()


def test_a_server_keyed_by_id_alone_is_rekeyed_by_clinic_on_upgrade(
    admin: psycopg.Connection[Any], pg: Any
) -> None:
    """On a database of its own: the shared one may hold two clinics' rows with one id (as
    it should), which a key by id alone cannot take."""
    from careDesk.sync import setup

    database = "keyed_" + new_id()[-8:]
    admin.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(pg.admin_url(database), autocommit=True) as own:
        setup.install(own)
        own.execute("ALTER TABLE sync.goal DROP CONSTRAINT goal_pkey, ADD PRIMARY KEY (id)")
        setup.install(own)
        key = own.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'sync.goal'::regclass AND contype = 'p'"
        ).fetchone()
    assert key == ("PRIMARY KEY (clinic_id, id)",)


def test_a_workstation_that_joins_after_a_purge_copies_the_clinic(
    make_workstation: Any, admin: psycopg.Connection[Any], clinic: str
) -> None:
    """A purge leaves rows with no change-log entry to say who sent them: a workstation that
    joins then, with nothing logged but its own upload, still copies the clinic."""
    a = make_workstation("anna")
    pid = a.desk.patients.create(
        mrn="P-9", given_name="Noa", family_name="Gil", birth_date=date(1955, 3, 4)
    ).value.id
    a.sync()
    _everyone_caught_up(admin, clinic)
    admin.execute("SELECT * FROM sync.purge()")
    logged = admin.execute("SELECT count(*) FROM sync.change_log WHERE clinic_id = %s", (clinic,))
    assert logged.fetchone() == (0,)
    c = make_workstation("cleo")
    c.desk.patients.create(
        mrn="P-10", given_name="Ivo", family_name="Paz", birth_date=date(1962, 8, 9)
    )
    assert c.sync().snapshot_rows > 0
    assert c.desk.patients.get(pid).family_name == "Gil"
