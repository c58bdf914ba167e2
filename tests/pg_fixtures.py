"""A real PostgreSQL 15 clinic server for the session, and workstations with their own vaults.

A pytest plugin (registered once in ``tests/conftest.py``) so the core sync tests and the Sync
page tests share ONE throwaway cluster per session. Each test gets its own clinic (clinic id and
login roles), so tests share the server without seeing each other's rows. A workstation is a
real encrypted vault with its own user, sync settings and client id, connected through a
:class:`Network` switch that can cut it off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from careDesk.desk import Desk
from careDesk.model.base import new_id
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from careDesk.sync import setup
from tests.careDesk.sync import server

PASSWORD = "correct horse battery staple"


class Network:
    """A workstation's link to the server: ``up = False`` cuts it (connects fail)."""

    def __init__(self) -> None:
        self.up = True
        self.connections = 0

    def connect(self, info: str) -> psycopg.Connection[Any]:
        if not self.up:
            raise psycopg.OperationalError("network is unreachable")
        self.connections += 1
        return psycopg.connect(info)


@dataclass
class Workstation:
    desk: Desk
    net: Network
    login: str

    def sync(self) -> Any:
        return self.desk.sync.run()


def older_server(pg: server.Cluster, ws: Workstation, *lacking: str) -> str:
    """Move ``ws`` to a clinic database of its own, set up as an older careDesk did: without
    the functions ``lacking`` (with their argument types). Returns the database's name."""
    database = "older_" + new_id()[-8:]
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(pg.admin_url(database)) as conn:
        setup.install(conn)
        setup.add_login(conn, ws.login, f"pw-{ws.login}", "older-clinic")
        for function in lacking:
            conn.execute(f"DROP FUNCTION sync.{function}")
    ws.desk.settings.set("sync.url", pg.url(database))
    return database


@pytest.fixture(scope="session")
def pg() -> Iterator[server.Cluster]:
    """One throwaway PostgreSQL 15 cluster with the sync schema, for the whole session (stopped
    even when installing the schema fails: a server left running outlives the test run)."""
    cluster = server.start()
    try:
        with psycopg.connect(cluster.admin_url()) as conn:
            setup.install(conn)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def admin(pg: server.Cluster) -> Iterator[psycopg.Connection[Any]]:
    """An administrator's autocommit connection to the clinic database."""
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        yield conn


@pytest.fixture
def clinic(pg: server.Cluster) -> str:
    """A clinic id of this test's own."""
    return "clinic-" + new_id()[-12:]


@pytest.fixture
def make_workstation(
    pg: server.Cluster, clinic: str, tmp_path: Path, fast_kdf: None
) -> Iterator[Callable[[str], Workstation]]:
    """Build workstations of this test's clinic (vaults closed after the test)."""
    made: list[Desk] = []

    def make(name: str) -> Workstation:
        login = f"{name}_{clinic[-12:]}"
        with psycopg.connect(pg.admin_url()) as conn:
            setup.add_login(conn, login, f"pw-{login}", clinic)
        desk, _ = create_vault(VaultPaths(tmp_path / name), "admin", PASSWORD)
        made.append(desk)
        desk.settings.set("sync.url", pg.url())
        desk.settings.set("sync.user", login)
        desk.settings.set("sync.password", f"pw-{login}")
        net = Network()
        desk.sync.connect = net.connect
        return Workstation(desk, net, login)

    yield make
    for desk in made:
        desk.close()


def dose_conflict(a: Workstation, b: Workstation, patient_id: str) -> str:
    """A medicine both workstations have, whose dose each then changes apart: "1000 mg" on
    ``a``, sent; "850 mg" on ``b``, not yet. ``b``'s next sync meets a clinical conflict (the
    server keeps a's). Returns the medicine's id."""
    med = a.desk.clinical.add_medication(patient_id, name="Metformin 500 mg", dose="500 mg").value
    a.sync()
    b.sync()
    a.desk.clinical.update_medication(med.id, dose="1000 mg")
    b.desk.clinical.update_medication(med.id, dose="850 mg")
    a.sync()
    return str(med.id)
