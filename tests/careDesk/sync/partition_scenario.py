"""Issue 10's real partition, run in a network namespace of its own (see ``test_partition.py``).

The test runs this module as ``unshare --net --pid --fork --kill-child -- python -m
tests.careDesk.sync.partition_scenario``: a fresh network namespace whose only link is its own
loopback (taking it down disturbs nothing else on the machine), and a PID namespace, so the
throwaway PostgreSQL (started through ``runuser``, which stays in both namespaces) dies with this
process whatever happens.

Inside: loopback up, a PostgreSQL 15 cluster on 127.0.0.1 (``server.py``), two workstations with
real encrypted vaults and the real ``default_connect``. Then loopback goes down while a push is in
flight (the server has committed the batch; its acknowledgement is on the wire), both
workstations edit and try to sync, loopback comes up, both sync until quiet. The facts go to
stdout as one JSON object (last line); the test judges them. Progress goes to stderr.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select
from sqlmodel import col

from careDesk.desk import Desk
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.sync import SyncConflict, SyncOutbox
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault
from careDesk.sync import service, setup
from careDesk.sync.connection import default_connect
from tests.careDesk.sync import server

PARENT_NETNS = "CAREDESK_PARENT_NETNS"  # the test's own namespace: this one must differ
PASSWORD = "correct horse battery staple"
CLINIC = "clinic-partition"
PUSH_BATCH = 25  # small batches, so a short outbox is still a push of several batches
IN_FLIGHT_EDITS = 40  # new patients queued on anna before the cut (plus one edit of S-1)
CUT_EDITS = 5  # new patients made on each side while partitioned
CONNECT_TIMEOUT = 2  # seconds, in sync.url (the default is 10); libpq's minimum is 2
PARTITION_SECONDS = 6.0  # how long loopback stays down (at least; from the cut)
HEAL_WAIT = 30.0  # how long the in-flight sync may take to finish once loopback is back
# ``--keepalive``: sync.url asks for short bounds, so a silent connection is given up after
# about 4 s (keepalive probe after 2 s idle, then 2 probes 1 s apart; unacknowledged data for
# 4 s). careDesk's own defaults end a silent sync after about 25 s, longer than the partition.
SHORT_BOUNDS = "&keepalives_idle=2&keepalives_interval=1&keepalives_count=2&tcp_user_timeout=4000"
GATE = 1010  # advisory lock that holds the in-flight push at its COMMIT

# ``ip link set lo up|down`` without iproute2: SIOCGIFFLAGS / SIOCSIFFLAGS on struct ifreq.
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = "16sh22x"

_started = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.2f}s] {message}", file=sys.stderr, flush=True)


def loopback(up: bool) -> None:
    """Bring this namespace's loopback up or down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack(IFREQ, fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0)))[1]
        flags = flags | IFF_UP if up else flags & ~IFF_UP
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags))
    log(f"loopback {'UP' if up else 'DOWN'}")


def check_namespace() -> None:
    """Refuse to touch loopback unless this is a network namespace of its own."""
    mine = os.readlink("/proc/self/ns/net")
    parent = os.environ.get(PARENT_NETNS)
    if not parent or parent == mine:
        raise SystemExit(
            "partition_scenario must run in a network namespace of its own "
            "(it takes loopback down): run it through test_partition.py"
        )


@dataclass
class Station:
    """A workstation: its desk, login and every mutation id its outbox ever held."""

    name: str
    desk: Desk
    login: str
    mutations: set[str] = field(default_factory=set)
    reports: list[dict[str, int]] = field(default_factory=list)

    def note_outbox(self) -> None:
        with self.desk.reading() as session:
            self.mutations.update(session.execute(select(col(SyncOutbox.mutation_id))).scalars())

    def sync(self) -> service.SyncReport:
        self.note_outbox()
        report = self.desk.sync.run()
        self.reports.append(report.__dict__)
        return report

    def new_patient(self, mrn: str) -> str:
        return self.desk.patients.create(
            mrn=mrn, given_name="Ana", family_name="Lima", birth_date=date(1950, 1, 2)
        ).value.id


def make_station(cluster: server.Cluster, folder: Path, name: str, bounds: str = "") -> Station:
    login = f"{name}_partition"
    with psycopg.connect(cluster.admin_url()) as conn:
        setup.add_login(conn, login, f"pw-{login}", CLINIC)
    desk, _ = create_vault(VaultPaths(folder / name), "admin", PASSWORD)
    desk.settings.set("sync.url", f"{cluster.url()}&connect_timeout={CONNECT_TIMEOUT}{bounds}")
    desk.settings.set("sync.user", login)
    desk.settings.set("sync.password", f"pw-{login}")
    assert desk.sync.connect is default_connect  # the real connection, no simulated switch
    return Station(name, desk, login)


@contextmanager
def local_admin(cluster: server.Cluster) -> Iterator[psycopg.Connection[Any]]:
    """An administrator's connection over the Unix socket: it works while loopback is down."""
    with psycopg.connect(
        host=str(cluster.folder),
        port=cluster.port,
        user=server.ADMIN,
        password=server.ADMIN_PASSWORD,
        dbname="clinic",
        autocommit=True,
    ) as conn:
        yield conn


def wait_for(what: str, check: Any, timeout: float = 15.0) -> float:
    """Poll ``check()`` until true; returns the seconds waited."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def install_gate(admin: psycopg.Connection[Any]) -> None:
    """A deferred trigger on sync.applied: a push's COMMIT waits while the gate lock is held."""
    admin.execute(
        "CREATE FUNCTION public.partition_gate() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN PERFORM pg_advisory_xact_lock_shared({GATE}); RETURN NULL; END $$"
    )
    admin.execute(
        "CREATE CONSTRAINT TRIGGER partition_gate AFTER INSERT ON sync.applied"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.partition_gate()"
    )


def remove_gate(admin: psycopg.Connection[Any]) -> None:
    admin.execute("DROP TRIGGER partition_gate ON sync.applied")
    admin.execute("DROP FUNCTION public.partition_gate()")


class InFlight:
    """One ``desk.sync.run()`` on a thread, and when and how it ended."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.outcome = "running"
        self.report: dict[str, int] | None = None
        self.ended_at: float | None = None
        self.thread = threading.Thread(target=self._run, name="in-flight sync", daemon=True)

    def _run(self) -> None:
        try:
            self.report = self.station.desk.sync.run().__dict__
            self.station.reports.append(self.report)
            self.outcome = "completed"
        except Exception as exc:
            self.outcome = type(exc).__name__
        self.ended_at = time.monotonic()
        log(f"in-flight sync ended: {self.outcome}")


def attempt(station: Station, call: str) -> dict[str, Any]:
    """One sync (or connection check) while partitioned: what it raised, how long it took."""
    start = time.monotonic()
    error = "none"
    try:
        if call == "sync":
            station.sync()
        else:
            station.desk.sync.check_connection()
    except Exception as exc:
        error = type(exc).__name__
    seconds = time.monotonic() - start
    log(f"{station.name} {call} while partitioned: {error} after {seconds:.3f}s")
    return {"who": station.name, "call": call, "error": error, "seconds": round(seconds, 3)}


def station_facts(station: Station) -> dict[str, Any]:
    desk = station.desk
    with desk.reading() as session:
        patients = {
            p.mrn: {
                "id": p.id,
                "city": p.city,
                "phone": p.phone,
                "email": p.email,
                "address_line": p.address_line,
                "version": p.version,
            }
            for p in session.execute(select(Patient)).scalars()
        }
        family = [m.name for m in session.execute(select(FamilyMember)).scalars()]
        conflicts = [
            {"table": c.table_name, "row_id": c.row_id, "field": c.field, "kind": c.kind}
            for c in session.execute(select(SyncConflict)).scalars()
        ]
    status = desk.sync.status()
    return {
        "client_id": status.client_id,
        "patients": patients,
        "family": sorted(family),
        "conflicts": conflicts,
        "outbox": status.pending,
        "offline": status.offline,
        "mutations": sorted(station.mutations),
        "reports": station.reports,
    }


def server_facts(admin: psycopg.Connection[Any]) -> dict[str, Any]:
    patients = {
        r[0]: {
            "id": r[1],
            "city": r[2],
            "phone": r[3],
            "email": r[4],
            "address_line": r[5],
            "version": r[6],
        }
        for r in admin.execute(
            "SELECT mrn, id, city, phone, email, address_line, version FROM sync.patient"
            " WHERE clinic_id = %s",
            (CLINIC,),
        )
    }
    family = [
        r[0]
        for r in admin.execute(
            "SELECT name FROM sync.family_member WHERE clinic_id = %s ORDER BY name", (CLINIC,)
        )
    ]
    applied: dict[str, list[str]] = {}
    for mutation, client in admin.execute(
        "SELECT mutation_id, client_id FROM sync.applied WHERE clinic_id = %s", (CLINIC,)
    ):
        applied.setdefault(client, []).append(mutation)
    change_log = {
        r[0]: r[1]
        for r in admin.execute(
            f"SELECT row_id, count(*) FROM {server.CHANGED_ROWS} c WHERE clinic_id = %s"
            " GROUP BY row_id",
            (CLINIC,),
        )
    }
    conflicts = [
        {"client_id": r[0], "table": r[1], "row_id": r[2], "field": r[3], "kind": r[4]}
        for r in admin.execute(
            "SELECT client_id, tbl, row_id, field, kind FROM sync.conflict WHERE clinic_id = %s",
            (CLINIC,),
        )
    ]
    return {
        "patients": patients,
        "family": family,
        "applied": {client: sorted(ids) for client, ids in applied.items()},
        "change_log": change_log,
        "conflicts": conflicts,
    }


def scenario(cluster: server.Cluster, folder: Path, bounds: str = "") -> dict[str, Any]:
    timings: dict[str, float] = {"server_started": round(time.monotonic() - _started, 2)}
    with psycopg.connect(cluster.admin_url()) as conn:
        setup.install(conn)
    anna = make_station(cluster, folder, "anna", bounds)
    ben = make_station(cluster, folder, "ben", bounds)
    anna.sync()
    ben.sync()

    # Before the partition: one shared patient, on both workstations.
    shared = anna.new_patient("S-1")
    anna.sync()
    ben.sync()
    timings["set_up"] = round(time.monotonic() - _started, 2)
    log("set up: two workstations synced")

    # A push of several batches; the first batch's COMMIT is held on the server.
    in_flight_mrns = [f"A-pre-{i}" for i in range(IN_FLIGHT_EDITS)]
    for mrn in in_flight_mrns:
        anna.new_patient(mrn)
    anna.desk.patients.update(shared, address_line="1 Pre Street")
    anna.note_outbox()
    with anna.desk.reading() as session:
        first_batch = list(
            session.execute(
                select(col(SyncOutbox.mutation_id)).order_by(col(SyncOutbox.seq)).limit(PUSH_BATCH)
            ).scalars()
        )
    with local_admin(cluster) as admin, local_admin(cluster) as gate:
        install_gate(admin)
        gate.execute("SELECT pg_advisory_lock(%s)", (GATE,))
        in_flight = InFlight(anna)
        in_flight.thread.start()

        def held() -> bool:
            if not in_flight.thread.is_alive():
                raise RuntimeError(f"the sync ended before its COMMIT: {in_flight.outcome}")
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
                " AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
                (anna.login,),
            ).fetchone()
            return bool(row and row[0])

        wait_for("the in-flight push to reach its COMMIT", held)
        time.sleep(0.3)  # the COMMIT's TCP ack is out: the client just waits for the answer
        loopback(False)
        cut = time.monotonic()
        gate.execute("SELECT pg_advisory_unlock(%s)", (GATE,))

        def committed() -> bool:
            row = admin.execute(
                "SELECT count(*) FROM sync.applied WHERE mutation_id = ANY(%s)", (first_batch,)
            ).fetchone()
            return bool(row and row[0] == len(first_batch))

        timings["server_commit_after_cut"] = round(wait_for("the commit", committed), 3)
        log("the server committed the first batch; its acknowledgement is lost in the cut")

        # Partitioned: both workstations edit, and neither can sync.
        attempts = [attempt(ben, "sync")]
        cut_mrns = {"anna": [f"A-cut-{i}" for i in range(CUT_EDITS)]}
        cut_mrns["ben"] = [f"B-cut-{i}" for i in range(CUT_EDITS)]
        for mrn in cut_mrns["ben"]:
            ben.new_patient(mrn)
        ben.desk.patients.update(shared, phone="555-0102")
        ben.desk.patients.update(shared, email="ben@example.org")
        ben.desk.patients.add_family(shared, name="Note from ben", relationship="neighbour")
        for mrn in cut_mrns["anna"]:
            anna.new_patient(mrn)
        anna.desk.patients.update(shared, city="Springfield")
        anna.desk.patients.update(shared, email="anna@example.org")
        anna.desk.patients.add_family(shared, name="Note from anna", relationship="daughter")
        anna.note_outbox()
        attempts.append(attempt(ben, "sync"))
        attempts.append(attempt(anna, "check"))
        offline_status = {"ben": ben.desk.sync.status().offline}
        time.sleep(max(0.0, cut + PARTITION_SECONDS - time.monotonic()))
        alive_at_heal = in_flight.thread.is_alive()
        loopback(True)
        heal = time.monotonic()
        in_flight.thread.join(HEAL_WAIT)
        if in_flight.thread.is_alive():
            log(f"the in-flight sync is still running {HEAL_WAIT:.0f}s after the heal")
            return {"in_flight": {"outcome": "running", "alive_at_heal": alive_at_heal}}
        ended = in_flight.ended_at or time.monotonic()
        remove_gate(admin)

    # Healed: sync both until a round moves nothing.
    rounds, quiet = 0, False
    while rounds < 6 and not quiet:
        rounds += 1
        reports = [station.sync() for station in (anna, ben)]
        quiet = not any(r.pushed + r.duplicates + r.pulled for r in reports)
    timings["healed"] = round(time.monotonic() - _started, 2)
    log(f"{'quiet' if quiet else 'still moving'} after {rounds} rounds")

    with psycopg.connect(cluster.admin_url()) as admin:
        facts = server_facts(admin)
    stations = {s.name: station_facts(s) for s in (anna, ben)}
    anna.desk.close()
    ben.desk.close()
    return {
        "in_flight": {
            "outcome": in_flight.outcome,
            "report": in_flight.report,
            "alive_at_heal": alive_at_heal,
            "first_batch": first_batch,
            "seconds_after_cut": round(ended - cut, 3),
            "seconds_after_heal": round(ended - heal, 3),
        },
        "partition_seconds": round(heal - cut, 3),
        "attempts": attempts,
        "offline_status": offline_status,
        "rounds": rounds,
        "quiet": quiet,
        "shared": {"mrn": "S-1", "id": shared},
        "expected": {
            "patients": sorted(["S-1", *in_flight_mrns, *cut_mrns["anna"], *cut_mrns["ben"]]),
            "family": ["Note from anna", "Note from ben"],
            "city": "Springfield",
            "phone": "555-0102",
            "address_line": "1 Pre Street",
            "emails": ["anna@example.org", "ben@example.org"],
        },
        "stations": stations,
        "server": facts,
        "timings": timings,
    }


def main() -> None:
    check_namespace()
    keepalive = "--keepalive" in sys.argv[1:]
    loopback(True)
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    service.PUSH_BATCH = PUSH_BATCH
    folder = Path(tempfile.mkdtemp(prefix="caredesk-partition-"))
    cluster = server.start()
    log(f"PostgreSQL 15 on 127.0.0.1:{cluster.port}")
    try:
        result = scenario(cluster, folder, SHORT_BOUNDS if keepalive else "")
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    result["keepalive"] = keepalive
    result["seconds"] = round(time.monotonic() - _started, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
