"""One login role per user: each person on a workstation can sync as themselves."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from careDesk.errors import CareDeskError, PermissionDenied
from careDesk.model.base import new_id
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from careDesk.sync import setup
from careDesk.sync.connection import SyncRefused, SyncUpgradeRequired
from tests.careDesk.sync.conftest import Workstation
from tests.pg_fixtures import older_server

CARLA_PASSWORD = "her own long passphrase 7"


def _roles_seen(admin: psycopg.Connection[Any], clinic: str) -> set[str]:
    rows = admin.execute("SELECT role_name FROM sync.client WHERE clinic_id = %s", (clinic,))
    return {str(r[0]) for r in rows}


def test_a_person_with_their_own_login_syncs_as_themselves(
    make_workstation: Any,
    pg: Any,
    admin: psycopg.Connection[Any],
    clinic: str,
    tmp_path: Path,
) -> None:
    a: Workstation = make_workstation("anna")
    a.sync()  # as the workstation's login
    role = f"carla_{clinic[-12:]}"
    with psycopg.connect(pg.admin_url()) as conn:
        setup.add_login(conn, role, "carla-server-pw", clinic)
    a.desk.users.add("carla", CARLA_PASSWORD, "coordinator")
    a.desk.close()

    carla = unlock(VaultPaths(tmp_path / "anna"), "carla", CARLA_PASSWORD)
    try:
        with pytest.raises(PermissionDenied):  # not for somebody else
            carla.sync.set_login("admin", role, "carla-server-pw")
        carla.sync.set_login("carla", role, "wrong password")
        with pytest.raises(SyncRefused, match="login was not accepted"):
            carla.sync.run()
        carla.sync.set_login("carla", role, "carla-server-pw")
        assert carla.sync.server().login == role
        carla.sync.run()
        assert role in _roles_seen(admin, clinic)
        assert carla.settings.get("sync.user") == a.login  # the workstation's is unchanged
        carla.sync.set_login("carla", "")  # back to the workstation's login
        assert carla.sync.server().login == a.login
    finally:
        carla.close()


def test_a_login_role_name_is_checked(make_workstation: Any) -> None:
    a: Workstation = make_workstation("anna")
    with pytest.raises(CareDeskError, match=r"sync\.user"):
        a.desk.sync.set_login("admin", "robert'); drop", "pw")
    assert a.desk.sync.server().my_user == ""


def test_the_clock_sends_an_edit_soon_after_it_is_made(
    pair: tuple[Workstation, Workstation], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Background sync: an edit reaches the server without anybody pressing Sync."""
    from datetime import date, timedelta
    from threading import Event

    from careDesk.schedule import clock as clock_module
    from careDesk.schedule.clock import SYNC, ReminderClock, jobs_due_summary

    a, b = pair
    monkeypatch.setattr(clock_module, "SYNC_SOON_DELAY", timedelta(0))
    synced = Event()
    run = a.desk.sync.run

    def run_and_tell(*args: Any, **kwargs: Any) -> Any:
        report = run(*args, **kwargs)
        if report.pushed:
            synced.set()
        return report

    monkeypatch.setattr(a.desk.sync, "run", run_and_tell)
    clock = ReminderClock(a.desk)
    clock.start()
    try:
        assert SYNC in jobs_due_summary(clock)
        pid = a.desk.patients.create(
            mrn="BG-1", given_name="Noa", family_name="Paz", birth_date=date(1970, 1, 1)
        ).value.id
        assert synced.wait(timeout=20), f"no background sync: {clock.errors}"
    finally:
        clock.stop()
    assert a.desk.sync.status().pending == 0
    b.sync()
    assert b.desk.patients.get(pid).mrn == "BG-1"


def test_a_new_login_name_does_not_keep_the_old_logins_password(make_workstation: Any) -> None:
    a: Workstation = make_workstation("anna")
    a.desk.sync.set_login("admin", "first_role", "secret-1")
    assert a.desk.sync.server().my_password
    a.desk.sync.set_login("admin", "first_role")  # same login: the password stays
    assert a.desk.sync.server().my_password
    a.desk.sync.set_login("admin", "second_role")
    assert a.desk.sync.server().my_user == "second_role"
    assert not a.desk.sync.server().my_password


def test_every_attempt_tells_the_screens(make_workstation: Any) -> None:
    a: Workstation = make_workstation("anna")
    heard: list[set[str]] = []
    a.desk.on_changed(lambda changes: heard.append(set(changes.kinds)))
    a.net.up = False
    with pytest.raises(Exception, match="cannot be reached"):
        a.sync()
    assert any("sync_state" in kinds for kinds in heard)
    assert a.desk.sync.status().last_error == "offline"


def test_a_persons_assignments_follow_them_to_another_workstation(
    pair: tuple[Workstation, Workstation],
) -> None:
    """One login, one id on every workstation: what is assigned to Carla at one desk is hers
    at the other."""
    from datetime import date, timedelta

    from careDesk.model.base import utcnow

    a, b = pair
    carla_a = a.desk.users.add("carla", CARLA_PASSWORD, "coordinator")
    carla_b = b.desk.users.add("carla", CARLA_PASSWORD, "coordinator")
    assert carla_a.id == carla_b.id
    pid = a.desk.patients.create(
        mrn="AS-1", given_name="Rosa", family_name="Mora", birth_date=date(1949, 6, 1)
    ).value.id
    a.desk.followups.create(
        pid,
        kind="call",
        title="Call about the home visit",
        due_at=utcnow() - timedelta(minutes=5),
        assignee_id=carla_a.id,
    )
    a.sync()
    b.sync()
    assert [f.title for f in b.desk.followups.due(carla_b.id)] == ["Call about the home visit"]


def test_test_connection_meets_what_a_sync_would_and_writes_nothing(
    make_workstation: Any, pg: Any, admin: psycopg.Connection[Any]
) -> None:
    """The settings' Test connection says "Connected" only where a sync can go through: not
    to a server whose sync functions are older than this careDesk, not when the server wants a
    newer workstation, not with a login of no clinic."""
    a, cleo = make_workstation("anna"), make_workstation("cleo")
    assert a.desk.sync.check_connection().startswith("15")
    admin.execute("UPDATE sync.meta SET min_client_schema = 99")
    try:
        with pytest.raises(SyncUpgradeRequired, match="data schema 99 or newer"):
            a.desk.sync.check_connection()
    finally:
        admin.execute("UPDATE sync.meta SET min_client_schema = 1")
    admin.execute("DELETE FROM sync.login WHERE role_name = %s", (cleo.login,))
    with pytest.raises(SyncRefused, match="no clinic's sync login") as refused:
        cleo.desk.sync.check_connection()
    assert refused.value.code == "refused-login"
    with pytest.raises(SyncRefused) as refused:  # and a sync says the same
        cleo.sync()
    assert "no clinic's sync login" in refused.value.message
    older_server(pg, a, "ready(integer, text)")
    with pytest.raises(SyncRefused, match="caredesk sync --setup-server") as refused:
        a.desk.sync.check_connection()
    assert refused.value.code == "server-upgrade"
    assert a.desk.sync.status().enabled is False  # nothing written: this desk never synced


def test_a_refusal_says_what_an_administrator_does(
    make_workstation: Any, pg: Any, admin: psycopg.Connection[Any]
) -> None:
    """Found by trying it: a login switched off read as "cannot be reached", and a server
    without the sync schema, or set up by a careDesk older than its tables, as PostgreSQL class
    names (InvalidSchemaName, InvalidParameterValue, UndefinedColumn)."""
    a, b = make_workstation("anna"), make_workstation("ben")
    admin.execute(f'ALTER ROLE "{a.login}" NOLOGIN')
    try:
        with pytest.raises(SyncRefused, match="this login is switched off") as refused:
            a.sync()
        assert refused.value.code == "refused-login"
    finally:
        admin.execute(f'ALTER ROLE "{a.login}" LOGIN')

    bare = "bare_" + new_id()[-8:]
    admin.execute(f'CREATE DATABASE "{bare}"')
    a.desk.settings.set("sync.url", pg.url(bare))
    with pytest.raises(SyncRefused, match="no careDesk sync set up") as refused:
        a.sync()
    assert refused.value.code == "server-upgrade"

    # A patient table as a careDesk without preferred names made it: a push there would drop
    # the field. A server that answers sync.ready says so; on an older one, the catalog does.
    older = older_server(pg, b)
    with psycopg.connect(pg.admin_url(older)) as conn:
        conn.execute("ALTER TABLE sync.patient DROP COLUMN preferred_name")
    b.desk.patients.create(
        mrn="OLD-1",
        given_name="Ida",
        family_name="Berg",
        preferred_name="Idy",
        birth_date=date(1950, 1, 1),
    )
    oldest = older_server(pg, a, "ready(integer, text)")
    pid = str(
        a.desk.patients.create(
            mrn="OLD-2", given_name="Eva", family_name="Lund", birth_date=date(1951, 2, 3)
        ).value.id
    )
    a.sync()  # joined while the server had every column
    with psycopg.connect(pg.admin_url(oldest)) as conn:  # as that careDesk set it up
        conn.execute("ALTER TABLE sync.patient DROP COLUMN preferred_name")
        conn.execute(
            "UPDATE sync.synced_table SET columns = replace(columns, ', \"preferred_name\"', '')"
            " WHERE name = 'patient'"
        )
    a.desk.patients.update(pid, preferred_name="Evi")
    for ws in (b, a):  # a first upload; an edit pushed
        with pytest.raises(SyncRefused, match="caredesk sync --setup-server") as refused:
            ws.sync()
        assert refused.value.code == "server-upgrade", ws.login
    assert a.desk.sync.status().pending == 1  # kept, to go once the server is upgraded
