"""``caredesk sync [--json]`` and ``caredesk sync --setup-server URL``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from tests.conftest import ADMIN, PASSWORD
from tests.pg_fixtures import dose_conflict


def test_setup_then_sync_from_the_command_line(
    desk: Desk, pg: Any, clinic: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    login = "cli_" + clinic[-12:]
    monkeypatch.setenv("CAREDESK_SYNC_PASSWORD", "cli-secret-1")
    assert (
        main(["sync", "--setup-server", pg.admin_url(), "--add-login", login, "--clinic", clinic])
        == 0
    )
    assert "clinic server ready" in capsys.readouterr().out
    desk.patients.create(
        mrn="CLI-9", given_name="Ida", family_name="Berg", birth_date=date(1950, 1, 1)
    )
    desk.settings.set("sync.url", pg.url())
    desk.settings.set("sync.user", login)
    desk.settings.set("sync.password", "cli-secret-1")
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    assert main(["sync", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"]["pushed"] == 1
    assert out["status"]["pending"] == 0 and out["status"]["last_sync_at"]
    assert main(["sync"]) == 0
    assert "waiting to send: 0" in capsys.readouterr().out


def test_unreachable_server_is_one_line(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    desk.settings.set("sync.url", "postgresql://127.0.0.1:1/clinic?connect_timeout=2")
    desk.settings.set("sync.user", "nobody")
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    assert main(["sync"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be reached" in err[0]
    assert main(["sync", "--status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)["status"]
    # a first sync that never reached the server leaves the vault as it was: not yet syncing
    assert not status["enabled"] and status["pending"] == 0


def test_setup_with_a_bad_url_is_one_line(capsys: Any) -> None:
    assert main(["sync", "--setup-server", "postgresql://x:y@127.0.0.1:1/db"]) == 1
    assert capsys.readouterr().err.strip() == (
        "caredesk: Could not connect to the server with that URL (unreachable, or the"
        " administrator login or password was not accepted)."
    )
    assert main(["sync", "--setup-server", "clinic server please"]) == 1
    assert capsys.readouterr().err.strip() == (
        "caredesk: That is not a server URL: use postgresql://administrator@host:port/database"
    )
    assert main(["sync", "--add-login", "kim"]) == 1  # not silently ignored
    assert "--add-login works with --setup-server" in capsys.readouterr().err


def test_add_login_never_takes_over_a_role_it_did_not_make(
    pg: Any, admin: Any, clinic: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Found by trying it: --add-login with the name of an existing role re-keyed it (a
    superuser's: its owner locked out) and made it a sync login, and moved a clinic's login to
    another clinic while printing "added"."""
    tag = clinic[-12:]
    dba, app, kim = f"dba_{tag}", f"app_{tag}", f"kim_{tag}"
    admin.execute(f"CREATE ROLE \"{dba}\" SUPERUSER LOGIN PASSWORD 'dba-own-pass'")
    admin.execute(f"CREATE ROLE \"{app}\" LOGIN PASSWORD 'app-own-pass'")

    def password_of(role: str) -> str:
        row = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,))
        return str(row.fetchone()[0])

    before = {r: password_of(r) for r in (dba, app)}
    monkeypatch.setenv("CAREDESK_SYNC_PASSWORD", "kim-secret-1")
    url = pg.admin_url()
    for role in (dba, app):
        assert main(["sync", "--setup-server", url, "--add-login", role, "--clinic", clinic]) == 1
        assert f"A role named {role} already exists" in capsys.readouterr().err
        assert password_of(role) == before[role]
    assert not admin.execute(
        "SELECT 1 FROM sync.login WHERE role_name IN (%s, %s)", (dba, app)
    ).fetchall()

    assert main(["sync", "--setup-server", url, "--add-login", kim, "--clinic", clinic]) == 0
    assert f"login {kim} added" in capsys.readouterr().out
    other = "other-" + tag
    assert main(["sync", "--setup-server", url, "--add-login", kim, "--clinic", other]) == 1
    assert f"already syncs for clinic {clinic}" in capsys.readouterr().err
    monkeypatch.setenv("CAREDESK_SYNC_PASSWORD", "kim-secret-2")  # a new password: same clinic
    assert main(["sync", "--setup-server", url, "--add-login", kim, "--clinic", clinic]) == 0
    assert f"login {kim} password changed" in capsys.readouterr().out
    row = admin.execute("SELECT clinic_id FROM sync.login WHERE role_name = %s", (kim,))
    assert row.fetchone() == (clinic,)
    bad = 'bad"; drop'
    assert main(["sync", "--setup-server", url, "--add-login", bad, "--clinic", clinic]) == 1
    assert "cannot be a login name" in capsys.readouterr().err


def test_purge_from_the_command_line(
    pair: Any, pg: Any, admin: Any, clinic: str, capsys: Any
) -> None:
    a, _ = pair
    gone = a.desk.patients.create(
        mrn="CLI-P", given_name="Edu", family_name="Sol", birth_date=date(1944, 4, 4)
    ).value.id
    a.desk.patients.remove(gone)
    a.sync()
    admin.execute(
        "UPDATE sync.client SET cursor_txid = pg_snapshot_xmin(pg_current_snapshot())"
        " WHERE clinic_id = %s",
        (clinic,),
    )
    assert main(["sync", "--purge", pg.admin_url(), "--json"]) == 0
    purged = {p["clinic"]: p["rows_removed"] for p in json.loads(capsys.readouterr().out)["purged"]}
    assert purged[clinic] == 1
    assert main(["sync", "--purge", pg.admin_url(), "--idle-days", "0"]) == 1
    assert "--idle-days must be 1 or more" in capsys.readouterr().err


def test_a_sync_cut_off_mid_way_is_bounded_by_default() -> None:
    """Keepalives and a TCP user timeout end a silent connection (else ~2 h on Linux)."""
    from psycopg.conninfo import conninfo_to_dict

    from careDesk.sync.connection import conninfo

    params = conninfo_to_dict(conninfo("postgresql://clinic.example:5432/caredesk", "u", "p"))
    assert params["sslmode"] == "verify-full"
    assert (params["keepalives"], params["tcp_user_timeout"]) == ("1", "30000")
    idle, interval, count = (
        int(str(params[k])) for k in ("keepalives_idle", "keepalives_interval", "keepalives_count")
    )
    assert idle + interval * count <= 30


def test_a_first_sync_does_not_send_demo_patients_unless_asked(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from careDesk.care.demo import generate_demo

    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=2, seed=4, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    folder = str(a.desk.paths.root)
    a.desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    assert main(["--data-dir", folder, "sync"]) == 1
    assert "2 demo patients" in capsys.readouterr().err
    assert main(["--data-dir", folder, "sync", "--send-demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["report"]["pushed"] > 2


def test_a_server_certificate_from_another_authority_is_refused(
    make_workstation: Any, pg: Any, tmp_path: Any
) -> None:
    """verify-full against the CA file in sync.url: a server signed by any other authority is
    refused, and the reason is kept for the Sync page."""
    from careDesk.sync.connection import SyncRefused
    from tests.careDesk.sync import server

    a = make_workstation("anna")
    other = tmp_path / "other-ca"
    other.mkdir()
    server._certificates(other)
    a.desk.settings.set("sync.url", pg.url().split("?")[0] + f"?sslrootcert={other / 'ca.crt'}")
    with pytest.raises(SyncRefused, match="certificate could not be verified"):
        a.sync()
    assert a.desk.sync.status().last_error == "refused-certificate"


def test_a_first_sync_from_a_terminal_shows_each_stage_on_stderr(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A first sync of a large clinic takes minutes: on a terminal the command shows where it
    is, on stderr (stdout keeps the report); piped, it prints the report alone."""
    import sys

    a = make_workstation("anna")
    for n in range(3):
        a.desk.patients.create(
            mrn=f"CLI-T{n}", given_name="Ada", family_name=f"Stage{n}", birth_date=date(1950, 1, 1)
        )
    a.sync()
    b = make_workstation("ben")
    folder = str(b.desk.paths.root)
    b.desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["--data-dir", folder, "sync"]) == 0
    captured = capsys.readouterr()
    steps = captured.err.split("\r")
    assert "  Copying the clinic to this workstation: 3 of 3" in {s.rstrip() for s in steps}
    assert captured.err.endswith("\n")  # the line is ended: the shell prompt starts afresh
    assert captured.out.startswith("sent 0 changes, received 0, 0 conflicts, first sync 3 rows")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert main(["--data-dir", folder, "sync"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("sent 0 changes, received 0")


def test_demo_patients_reach_the_clinic_only_when_asked_even_after_a_failed_first_sync(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Found by trying it: a first sync refused on a mistyped password turned capture on, so
    demo patients made afterwards went to the clinic with no --send-demo; and `caredesk demo`
    on a vault that syncs queued its patients for every workstation without a word."""
    a = make_workstation("anna")
    folder = str(a.desk.paths.root)
    a.desk.settings.set("sync.password", "mistyped")
    a.desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    assert main(["--data-dir", folder, "sync"]) == 1
    assert "login was not accepted" in capsys.readouterr().err
    demo = [
        "--data-dir",
        folder,
        "demo",
        "--patients",
        "2",
        "--seed",
        "31",
        "--today",
        "2026-03-10",
    ]
    assert main(demo) == 0  # a vault that does not sync yet: demo patients as ever
    capsys.readouterr()
    assert main(["--data-dir", folder, "config", "set", "sync.password", f"pw-{a.login}"]) == 0
    assert main(["--data-dir", folder, "sync"]) == 1
    assert "2 demo patients" in capsys.readouterr().err  # still asked about
    assert main(["--data-dir", folder, "sync", "--send-demo"]) == 0
    capsys.readouterr()

    assert main([*demo[:-4], "--seed", "32"]) == 1  # now it syncs: refused unless asked
    assert "its demo patients would reach every workstation" in capsys.readouterr().err
    assert main(["--data-dir", folder, "sync", "--status"]) == 0
    assert "waiting to send: 0" in capsys.readouterr().out


def test_conflicts_are_listed_and_marked_reviewed_from_the_command_line(
    pair: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Found by trying it: a sync printed "1 conflicts" and nothing on the command line showed
    which, or let anyone mark it reviewed."""
    a, b = pair
    pid = str(
        a.desk.patients.create(
            mrn="CF-1", given_name="Grace", family_name="Okafor", birth_date=date(1950, 3, 2)
        ).value.id
    )
    dose_conflict(a, b, pid)
    dose_conflict(a, b, pid)  # two in one sync: their ids begin alike (time-ordered)
    b.sync()
    folder = str(b.desk.paths.root)
    b.desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    assert main(["--data-dir", folder, "sync", "--conflicts"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "2 conflicts to review"
    first, second = lines[0], lines[1]
    assert "Okafor, Grace (MRN CF-1)  medication: Metformin 500 mg (clinical)" in first
    assert second.strip() == "dose: here '850 mg', kept '1000 mg'"
    shorts = [lines[0].split()[0], lines[2].split()[0]]
    assert shorts[0] != shorts[1]  # each can be named
    assert main(["--data-dir", folder, "sync", "--resolve", shorts[0][:4]]) == 1  # too short
    assert "No open conflict" in capsys.readouterr().err
    assert main(["--data-dir", folder, "sync", "--resolve", shorts[0]]) == 0
    assert f"conflict {shorts[0]} marked reviewed" in capsys.readouterr().out
    assert main(["--data-dir", folder, "sync", "--conflicts", "--json"]) == 0
    [left] = json.loads(capsys.readouterr().out)["conflicts"]
    assert left["id"].endswith(shorts[1])
