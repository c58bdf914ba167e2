"""A workstation's first upload of its whole vault (issue 21): COPY into a staging table on the
server, applied set-based with the push rules, resumable, and applied once however often a
chunk is sent. Real vaults, a real PostgreSQL 15 server (tests/pg_fixtures.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Observation
from careDesk.model.patient import Patient
from careDesk.model.timeline import TimelineEntry
from careDesk.paths import VaultPaths
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import unlock
from careDesk.sync import upload
from careDesk.sync.tables import synced_tables
from tests.careDesk.sync import server
from tests.careDesk.sync.conftest import Workstation
from tests.pg_fixtures import PASSWORD, older_server

# Text that COPY's formats treat specially (quote, comma, tab, newline, backslash, "\." alone on
# a line, "\N"), letters outside ASCII, and an empty string (not the same as no value).
AWKWARD = [
    'She said "stop", then\tleft;\nback\\slash',
    "\\.\n\\N",
    "Nguyễn — 100 % ✓",
    "",
]
FLOATS = [0.1 + 0.2, 1e-7, -273.15, 1e22, 5.0]


def _rows(desk: Desk, name: str) -> list[tuple[Any, ...]]:
    with desk.reading() as session:
        return [tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}" ORDER BY id'))]


def _awkward_vault(ws: Workstation) -> str:
    """A patient with awkward notes and measurements, written before this vault syncs."""
    pid = ws.desk.patients.create(
        mrn="U-1", given_name="Lan", family_name="Nguyễn", birth_date=date(1950, 1, 2)
    ).value.id
    now = utcnow()
    with ws.desk.writing() as tx:
        for n, words in enumerate(AWKWARD):
            entry = TimelineEntry(patient_id=pid, kind="note", at=now, summary=f"note {n}")
            entry.body = words
            tx.add(entry, kind="timeline_entry", patient_id=pid)
        for n, value in enumerate(FLOATS):
            tx.add(
                Observation(patient_id=pid, display=f"reading {n}", value=value, effective=now),
                kind="observation",
                patient_id=pid,
            )
        patient = tx.session.get(Patient, pid)
        assert patient is not None
        patient.interpreter_needed = True
        tx.touch(patient, kind="patient", patient_id=pid)
    return pid


def test_awkward_values_travel_byte_for_byte(make_workstation: Any) -> None:
    a = make_workstation("anna")
    _awkward_vault(a)
    before = {t.name: _rows(a.desk, t.name) for t in synced_tables()}
    report = a.sync()
    assert report.pushed == sum(len(rows) for rows in before.values())
    b = make_workstation("ben")
    b.sync()
    for t in synced_tables():
        assert _rows(a.desk, t.name) == before[t.name], f"{t.name} changed on its own desk"
        assert _rows(b.desk, t.name) == before[t.name], f"{t.name} differs on the other desk"
    with b.desk.reading() as session:
        bodies = {r for r in session.execute(text("SELECT body FROM timeline_entry")).scalars()}
    assert bodies == set(AWKWARD)  # "" stayed an empty note, not "no note"


def test_an_upload_cut_after_the_server_committed_applies_nothing_twice(
    make_workstation: Any, admin: psycopg.Connection[Any], clinic: str, monkeypatch: Any
) -> None:
    """The acknowledgement of the second chunk is lost (the app dies after the server's commit):
    the next sync carries on after what the server has, and no row is applied twice."""
    a = make_workstation("anna")
    for n in range(12):
        a.desk.patients.create(
            mrn=f"C-{n}", given_name="Cut", family_name=f"Off {n}", birth_date=date(1960, 1, 1)
        )
    monkeypatch.setattr(upload, "CHUNK", 5)
    taken: list[int] = []
    real_take = upload._take

    def lost(desk: Desk, result: dict[str, Any]) -> None:
        taken.append(int(result["applied"]))
        if len(taken) == 2:
            raise KeyboardInterrupt  # after the server committed the second chunk
        real_take(desk, result)

    monkeypatch.setattr(upload, "_take", lost)
    with pytest.raises(KeyboardInterrupt):
        a.sync()
    on_server = admin.execute(
        "SELECT count(*) FROM sync.patient WHERE clinic_id = %s", (clinic,)
    ).fetchone()
    assert on_server == (10,)  # two chunks of five committed
    report = a.sync()
    assert report.pushed == 2  # only what the server did not have
    # The chunks the cut sync sent are not this sync's to vouch for: the clinic is copied back.
    assert report.snapshot_rows > 0
    logged = admin.execute(
        f"SELECT count(*), count(DISTINCT row_id) FROM {server.CHANGED_ROWS} c"
        " WHERE clinic_id = %s"
        " AND tbl = 'patient'",
        (clinic,),
    ).fetchone()
    assert logged == (12, 12)  # each patient applied once
    b = make_workstation("ben")
    b.sync()
    assert len(b.desk.patients.search("Off")) == 12


def test_an_upload_keeps_the_push_rules_for_rows_the_server_has(
    make_workstation: Any, tmp_path: Path
) -> None:
    """A copy of a vault (restored from a backup made before it ever synced) joins after the
    original: rows it shares keep the server's values and report what differed; an MRN taken by
    another patient is reported as a duplicate, both patients kept."""
    a = make_workstation("anna")
    pid = a.desk.patients.create(
        mrn="K-1", given_name="Kept", family_name="Server", birth_date=date(1950, 5, 5)
    ).value.id
    archive = tmp_path / "anna.cdbak"
    a.desk.backups.make(archive)
    a.sync()
    a.desk.patients.update(pid, city="Springfield")  # the server's copy moves on
    first = a.desk.patients.create(
        mrn="D-1", given_name="Dee", family_name="First", birth_date=date(1960, 6, 6)
    ).value.id
    a.sync()

    copy_paths = VaultPaths(tmp_path / "copy")
    restore_vault(archive, copy_paths, Credentials("admin", PASSWORD))
    b = make_workstation("ben")  # only for its login and settings
    copy = unlock(copy_paths, "admin", PASSWORD)
    try:
        copy.settings.set("sync.url", b.desk.settings.get("sync.url"))
        copy.settings.set("sync.user", b.login)
        copy.settings.set("sync.password", f"pw-{b.login}")
        copy.sync.connect = b.net.connect
        with copy.writing() as tx:  # the copy's own changes before it joins
            row = tx.session.get(Patient, pid)
            assert row is not None
            row.city = "Shelbyville"
            tx.touch(row, kind="patient", patient_id=pid)
        other = copy.patients.create(  # registered here too while apart, as another patient
            mrn="D-1", given_name="Dee", family_name="Second", birth_date=date(1970, 1, 1)
        ).value.id
        report = copy.sync.run()
        kinds = sorted((c.kind, c.field) for c in copy.sync.conflicts())
        assert ("insert", "city") in kinds and ("duplicate", "mrn") in kinds
        assert report.conflicts == len(kinds)
        assert copy.patients.get(pid).city == "Springfield"  # the server's value kept
        a.sync()
        assert {p.id for p in a.desk.patients.search("D-1")} == {first, other}
    finally:
        copy.close()


def test_rows_made_after_joining_go_by_the_outbox_in_order(make_workstation: Any) -> None:
    """A row added while the first upload is under way is sent once, with its later edit."""
    a = make_workstation("anna")
    a.desk.patients.create(
        mrn="O-1", given_name="Old", family_name="Row", birth_date=date(1940, 1, 1)
    )
    made: list[str] = []
    real_send = upload._send

    def meanwhile(*args: Any) -> dict[str, Any]:
        if not made:  # a person saves a new patient, then edits it, during the upload
            made.append(
                a.desk.patients.create(
                    mrn="N-1", given_name="New", family_name="Row", birth_date=date(1990, 1, 1)
                ).value.id
            )
            a.desk.patients.update(made[0], city="Ogdenville")
        return real_send(*args)

    upload_send = pytest.MonkeyPatch()
    upload_send.setattr(upload, "_send", meanwhile)
    try:
        report = a.sync()
    finally:
        upload_send.undo()
    assert report.conflicts == 0 and a.desk.sync.status().pending == 0
    b = make_workstation("ben")
    b.sync()
    assert b.desk.patients.get(made[0]).city == "Ogdenville"
    assert {p.mrn for p in b.desk.patients.search("Row")} == {"O-1", "N-1"}


def test_an_old_outbox_of_inserts_still_goes(make_workstation: Any) -> None:
    """A vault that started syncing before issue 21 queued its rows as outbox inserts: they go
    as before (the upload leaves them to the outbox), once."""
    from careDesk.sync import apply

    a = make_workstation("anna")
    pid = a.desk.patients.create(
        mrn="Q-1", given_name="Queued", family_name="Before", birth_date=date(1955, 3, 3)
    ).value.id
    a.desk.sync._enable()
    with a.desk.writing(None) as tx:
        apply.enqueue_rows(tx.session.connection(), "patient", [pid])
    report = a.sync()
    assert (report.pushed, report.conflicts) == (1, 0)
    b = make_workstation("ben")
    b.sync()
    assert b.desk.patients.get(pid).family_name == "Before"


def test_a_desk_already_in_the_clinic_pulls_every_uploaded_row(
    make_workstation: Any, admin: psycopg.Connection[Any], clinic: str, monkeypatch: Any
) -> None:
    """A desk that syncs before another joins with a vault of its own gets every row of that
    upload by pulling, in pages smaller than the upload's change-log entries; a row edited
    after its upload arrives as edited."""
    from careDesk.sync import service

    b = make_workstation("ben")
    b.sync()
    a = make_workstation("anna")
    ids = [
        a.desk.patients.create(
            mrn=f"J-{n}", given_name="Join", family_name=f"Er {n}", birth_date=date(1970, 1, 1)
        ).value.id
        for n in range(12)
    ]
    monkeypatch.setattr(upload, "CHUNK", 7)
    a.sync()
    a.desk.patients.update(ids[3], city="Shelbyville")
    a.sync()
    entries = admin.execute(
        "SELECT cardinality(ids) FROM sync.change_log"
        " WHERE clinic_id = %s AND tbl = 'patient' AND ids IS NOT NULL ORDER BY seq",
        (clinic,),
    ).fetchall()
    assert entries == [(7,), (5,)]  # one entry for each chunk's patients
    monkeypatch.setattr(service, "PULL_PAGE", 3)
    b.sync()
    assert sorted(p.mrn for p in b.desk.patients.search("Join")) == sorted(
        f"J-{n}" for n in range(12)
    )
    edited = b.desk.patients.get(ids[3])
    assert (edited.city, edited.version) == ("Shelbyville", a.desk.patients.get(ids[3]).version)


def _patients(ws: Workstation, prefix: str, n: int) -> list[str]:
    return [
        ws.desk.patients.create(
            mrn=f"{prefix}-{k}",
            given_name="First",
            family_name=f"Desk {k}",
            birth_date=date(1958, 4, 1),
        ).value.id
        for k in range(n)
    ]


def _after_upload(monkeypatch: Any, then: Callable[[str], None]) -> None:
    """Run ``then(client id)`` once a sync's upload has finished, before its check and copy."""
    real_run = upload.run

    def run_then(*args: Any, **kwargs: Any) -> upload.Uploaded:
        done = real_run(*args, **kwargs)
        then(args[2])
        return done

    monkeypatch.setattr(upload, "run", run_then)


def test_the_first_workstation_of_a_clinic_copies_nothing_back(make_workstation: Any) -> None:
    """The clinic's first workstation sends its whole vault and has all of it already: its
    first sync copies nothing back (27 s of a 50,000-patient clinic's), then it pulls what the
    others change like any workstation."""
    a = make_workstation("anna")
    ids = _patients(a, "F", 3)
    before = {t.name: _rows(a.desk, t.name) for t in synced_tables()}
    report = a.sync()
    assert (report.pushed, report.snapshot_rows) == (sum(map(len, before.values())), 0)
    for t in synced_tables():
        assert _rows(a.desk, t.name) == before[t.name], f"{t.name} changed on its own desk"
    b = make_workstation("ben")
    assert b.sync().snapshot_rows == report.pushed  # a workstation joining later copies it all
    b.desk.patients.update(ids[1], city="Springfield")
    b.sync()
    a.sync()
    assert a.desk.patients.get(ids[1]).city == "Springfield"


def test_a_change_another_desk_makes_during_the_upload_is_copied(
    make_workstation: Any, monkeypatch: Any
) -> None:
    """Another workstation saves while the first one's upload runs: the server no longer holds
    only what the uploader sent, so it copies the clinic and has the other's patient."""
    b = make_workstation("ben")
    assert b.sync().snapshot_rows == 0  # an empty clinic, an empty vault: nothing to copy
    a = make_workstation("anna")
    _patients(a, "G", 2)
    meanwhile: list[str] = []

    def ben_saves(_client: str) -> None:
        meanwhile.extend(_patients(b, "B", 1))
        b.sync()

    _after_upload(monkeypatch, ben_saves)
    assert a.sync().snapshot_rows > 0
    assert a.desk.patients.get(meanwhile[0]).mrn == "B-0"


def test_an_edit_made_under_this_workstation_s_name_elsewhere_is_copied(
    make_workstation: Any, admin: psycopg.Connection[Any], monkeypatch: Any
) -> None:
    """A copy of this vault, made after it first tried to sync, syncs under the same client id
    and edits a patient while this one uploads: the change log names only this workstation and
    the counts agree, but the versions do not, so the clinic is copied with the edit."""
    a = make_workstation("anna")
    ids = _patients(a, "K", 2)

    def the_copy_edits(client: str) -> None:
        with admin.transaction():
            admin.execute("SELECT set_config('sync.client', %s, true)", (client,))
            admin.execute(
                "UPDATE sync.patient SET city = 'Elsewhere', version = version + 1 WHERE id = %s",
                (ids[0],),
            )

    _after_upload(monkeypatch, the_copy_edits)
    assert a.sync().snapshot_rows > 0
    assert a.desk.patients.get(ids[0]).city == "Elsewhere"


def test_rows_the_change_log_does_not_name_are_copied(
    make_workstation: Any, admin: psycopg.Connection[Any], clinic: str
) -> None:
    """A server whose change log lost entries (restored without it, or loaded by hand) holds
    rows no entry names: a workstation joining with its own vault counts more rows there than
    it sent, and copies the clinic."""
    a = make_workstation("anna")
    (pid,) = _patients(a, "L", 1)
    a.sync()
    admin.execute("DELETE FROM sync.change_log WHERE clinic_id = %s", (clinic,))
    c = make_workstation("cleo")
    _patients(c, "M", 1)
    assert c.sync().snapshot_rows > 0
    assert c.desk.patients.get(pid).mrn == "L-0"


def test_a_server_set_up_before_the_check_still_copies_back(make_workstation: Any, pg: Any) -> None:
    """A server an older careDesk set up lacks ``sync.snapshot_ours``: the first workstation
    copies the clinic back, as before, instead of failing."""
    a = make_workstation("anna")
    older_server(pg, a, "snapshot_ours(text, integer, xid8, jsonb)")
    _patients(a, "H", 2)
    before = {t.name: _rows(a.desk, t.name) for t in synced_tables()}
    report = a.sync()
    assert report.snapshot_rows == report.pushed == sum(map(len, before.values()))
    for t in synced_tables():
        assert _rows(a.desk, t.name) == before[t.name], f"{t.name} changed on its own desk"
