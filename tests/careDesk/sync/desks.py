"""Several workstations of one clinic editing and syncing at the same time (issue 21).

Each desk is a real vault with its own server login, driven from a thread of its own: it edits
(its own patients' city, a shared patient's details that other desks edit too, new follow-ups on
shared patients), syncs, and again, for a number of rounds. Used by
``tests/careDesk/sync/test_ten_desks.py`` (a few edits each) and ``benchmarks/bench_sync.py``
(100 edits each, spread over a minute).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.sync.tables import local_columns, synced_tables

SHARED_NOTES = ("address_line", "state", "gender_identity")  # free text a desk may set


@dataclass
class Desks:
    """The desks of one clinic and the patients they work on."""

    desks: list[Desk]
    own: list[list[str]]  # each desk's own patients (only that desk edits their city)
    shared: list[str]  # patients every desk edits and adds follow-ups to


@dataclass
class Outcome:
    """What the concurrent run did."""

    seconds: float
    round_trips: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    cities: dict[str, str] = field(default_factory=dict)  # own patient → last city set
    follow_ups: list[str] = field(default_factory=list)  # ids created

    def p95(self) -> float:
        ordered = sorted(self.round_trips)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else 0.0


def prepare(desks: list[Desk], own_each: int = 3, shared: int = 2) -> Desks:
    """The first desk registers the patients and syncs; then every desk takes the clinic."""
    first = desks[0]
    born = date(1950, 1, 1)
    ids = [
        first.patients.create(
            mrn=f"TEN-{n:04d}", given_name="Desk", family_name=f"Patient {n}", birth_date=born
        ).value.id
        for n in range(len(desks) * own_each + shared)
    ]
    for desk in desks:
        desk.sync.run()
    own = [ids[i * own_each : (i + 1) * own_each] for i in range(len(desks))]
    return Desks(desks, own, ids[len(desks) * own_each :])


def run(setup: Desks, *, edits: int, rounds: int, spread: float = 0.0) -> Outcome:
    """Every desk makes ``edits`` edits in ``rounds`` rounds, syncing after each, all at once.

    ``spread`` seconds: each desk's rounds start evenly over that time, the desks' starts
    staggered within a round's slot, as desks in a clinic work (0: back to back, all together).
    """
    outcome = Outcome(seconds=0.0)
    lock = threading.Lock()
    start = threading.Barrier(len(setup.desks))
    began = time.perf_counter()

    def work(i: int) -> None:
        desk = setup.desks[i]
        try:
            start.wait()
            slot = spread / rounds  # each desk's rounds this far apart, desks staggered in it
            t0 = time.perf_counter() + slot * i / len(setup.desks)
            done = 0
            for r in range(rounds):
                if spread:
                    threading.Event().wait(max(0.0, t0 + slot * r - time.perf_counter()))
                for _ in range(edits * (r + 1) // rounds - edits * r // rounds):
                    _edit(setup, i, done, outcome, lock)
                    done += 1
                clock = time.perf_counter()
                report = desk.sync.run()
                with lock:
                    outcome.round_trips.append(time.perf_counter() - clock)
                    outcome.pushed += report.pushed
                    outcome.pulled += report.pulled
                    outcome.conflicts += report.conflicts
        except Exception as exc:  # reported, never lost in a thread
            with lock:
                outcome.errors.append(f"desk {i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(setup.desks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - began
    return outcome


def _edit(setup: Desks, i: int, n: int, outcome: Outcome, lock: threading.Lock) -> None:
    desk = setup.desks[i]
    if n % 5 == 4:  # a new follow-up on a shared patient
        patient = setup.shared[n % len(setup.shared)]
        made = desk.followups.create(
            patient,
            kind="call",
            title=f"Call from desk {i} ({n})",
            due_at=utcnow() + timedelta(days=1),
        ).value.id
        with lock:
            outcome.follow_ups.append(made)
    elif n % 5 == 2:  # the shared patients' details, which other desks edit too
        # Half the desks go through the shared rows one way, half the other: one push locks
        # them in its desk's order. The first time, each desk also keeps a handout choice for
        # the first shared patient: one fixed id for the row, inserted by every desk at once.
        order = setup.shared if i % 2 else setup.shared[::-1]
        for patient in order:
            desk.patients.update(
                patient, **{SHARED_NOTES[i % len(SHARED_NOTES)]: f"desk {i} ({n})"}
            )
        if n == 2:
            desk.handouts.remember(
                setup.shared[0], language="es" if i % 2 else "vi", large_print=None
            )
    else:  # this desk's own patient
        patient = setup.own[i][n % len(setup.own[i])]
        desk.patients.update(patient, city=f"Town {i}-{n}")
        with lock:
            outcome.cities[patient] = f"Town {i}-{n}"


def converge(desks: list[Desk]) -> None:
    """Each desk syncs in turn, twice: every desk then has every change."""
    for _ in range(2):
        for desk in desks:
            desk.sync.run()


def rows(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every replicated row (the workstation's own columns left out), by table."""
    out = {}
    with desk.reading() as session:
        for t in synced_tables():
            columns = [c.name for c in t.columns if c.name not in local_columns(t.name)]
            listed = ", ".join(f'"{c}"' for c in columns)
            query = text(f'SELECT {listed} FROM "{t.name}" ORDER BY id')
            out[t.name] = [tuple(r) for r in session.execute(query)]
    return out
