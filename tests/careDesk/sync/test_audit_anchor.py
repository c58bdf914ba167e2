"""The clinic server keeps each workstation's audit-trail head; ``caredesk check`` compares it.

Real throwaway PostgreSQL server (``tests/pg_fixtures.py``), real vaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from careDesk.model.base import new_id
from careDesk.paths import VaultPaths
from careDesk.store.check import CheckReport, check_vault
from careDesk.store.vault import unlock
from careDesk.sync import setup
from tests.careDesk.security import tamper
from tests.careDesk.store.files import add_patients
from tests.careDesk.sync.conftest import Workstation
from tests.careDesk.sync.server import Cluster
from tests.pg_fixtures import PASSWORD


def _stored(admin: psycopg.Connection[Any], client_id: str) -> tuple[int, str] | None:
    row = admin.execute(
        "SELECT seq, hash FROM sync.audit_anchor WHERE client_id = %s", (client_id,)
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _check(paths: VaultPaths) -> CheckReport:
    reader = unlock(paths, "admin", PASSWORD, readonly=True)
    try:
        return check_vault(reader)
    finally:
        reader.close()


def test_a_cut_trail_is_found_by_the_server_anchor_and_the_server_keeps_it(
    make_workstation: Callable[[str], Workstation], admin: psycopg.Connection[Any]
) -> None:
    ws = make_workstation("anna")
    add_patients(ws.desk, 3)
    ws.sync()
    client = ws.desk.sync.status().client_id
    assert client is not None
    stored = _stored(admin, client)
    assert stored is not None
    paths = ws.desk.paths
    ws.desk.close()
    report = _check(paths)
    assert report.passed, report.problems
    assert any(f"extends the clinic server (event {stored[0]}" in line for line in report.ok)

    # The admin of that workstation (or anyone holding its key) cuts the trail back and
    # removes the head file too.
    who = tamper.insider(paths, "admin", PASSWORD)
    tamper.rewrite(paths, who, lambda s: tamper.cut_after(s, stored[0] - 3))
    paths.head.unlink()
    assert _check(paths).problems == [
        f"audit trail: the clinic server shows event {stored[0]}, but the trail ends at event "
        f"{stored[0] - 3}: its last events were removed"
    ]

    # Syncing again does not let the rewritten trail replace the server's head.
    again = unlock(paths, "admin", PASSWORD)
    again.sync.connect = ws.net.connect
    add_patients(again, 4, prefix="L")  # the trail grows past the anchored sequence
    again.sync.run()
    again.close()
    assert _stored(admin, client) == stored
    [problem] = _check(paths).problems
    assert problem == (
        f"audit trail: the clinic server records another event {stored[0]}: the trail was rewritten"
    )


def test_the_server_head_moves_on_with_the_trail(
    make_workstation: Callable[[str], Workstation], admin: psycopg.Connection[Any]
) -> None:
    ws = make_workstation("anna")
    ws.sync()
    client = ws.desk.sync.status().client_id
    assert client is not None
    first = _stored(admin, client)
    add_patients(ws.desk, 2)
    ws.sync()
    later = _stored(admin, client)
    assert first is not None and later is not None and later[0] > first[0]


def test_check_says_when_the_server_anchor_could_not_be_checked(
    make_workstation: Callable[[str], Workstation],
) -> None:
    ws = make_workstation("anna")
    assert "audit trail: this workstation has never synced: server anchor not checked" in (
        check_vault(ws.desk).unverified
    )
    ws.sync()
    ws.desk.settings.set("sync.url", "postgresql://127.0.0.1:1/clinic")  # nothing listens
    assert "audit trail: the clinic server cannot be reached: server anchor not checked" in (
        check_vault(ws.desk).unverified
    )


def test_a_workstation_of_another_clinic_neither_reads_nor_replaces_the_anchor(
    make_workstation: Callable[[str], Workstation], pg: Cluster, admin: psycopg.Connection[Any]
) -> None:
    ws = make_workstation("anna")
    ws.sync()
    client = ws.desk.sync.status().client_id
    stored = _stored(admin, client or "")
    assert stored is not None
    other = "intruder_" + new_id()[-8:]
    with psycopg.connect(pg.admin_url()) as conn:
        setup.add_login(conn, other, "intruder-pass-1", "clinic-elsewhere-" + new_id()[-6:])
    url = pg.url().replace("postgresql://", f"postgresql://{other}:intruder-pass-1@")
    with psycopg.connect(url + "&sslmode=verify-full") as conn:
        assert conn.execute("SELECT sync.audit_anchor_get(%s)", (client,)).fetchone() == (None,)
        fake = {
            "vault": "x",
            "seq": stored[0] + 100,
            "hash": "f" * 64,
            "at": "2026-01-01T00:00:00+00:00",
        }
        conn.execute(
            "SELECT sync.audit_anchor_put(%s, %s::jsonb, %s, %s)",
            (client, psycopg.types.json.Jsonb(fake), stored[0], stored[1]),
        )
        conn.commit()
    assert _stored(admin, client or "") is not None
    row = admin.execute(
        "SELECT seq FROM sync.audit_anchor WHERE client_id = %s ORDER BY seq", (client,)
    ).fetchall()
    assert [r[0] for r in row] == [stored[0], stored[0] + 100]  # two clinics, two rows
    report = check_vault(ws.desk)
    assert report.passed, report.problems
