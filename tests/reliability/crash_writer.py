"""Crash-safety harness: a child process that commits numbered transactions until it is killed.

Run as ``python -m tests.reliability.crash_writer DATA_DIR ROUND`` with the password in
``CAREDESK_PASSWORD``: it signs in as ``CAREDESK_USER``, then commits transaction 1, 2, 3 …
(each inserts ``ROWS_PER_TX`` patients and one audit event) and prints each number on stdout
right after its commit. The key slots decide the Argon2id cost, so a test vault made with cheap
parameters stays cheap here; nothing in this module weakens the production path.

:func:`crash_round` is the parent side, shared by ``tests/reliability/test_crash.py`` and the
longer loop in ``benchmarks/bench_vault.py``: start the child, SIGKILL it at a random moment,
then prove that the vault opens, passes ``check_vault``, and holds every reported commit, each
one whole.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import col, select

ROWS_PER_TX = 5
MAX_TX = 100_000  # a runaway child stops by itself


def _child(data_dir: str, round_id: str) -> int:
    from careDesk.model.patient import Patient
    from careDesk.paths import VaultPaths
    from careDesk.store.vault import unlock

    desk = unlock(
        VaultPaths(Path(data_dir)), os.environ["CAREDESK_USER"], os.environ["CAREDESK_PASSWORD"]
    )
    print("ready", flush=True)
    for n in range(1, MAX_TX + 1):
        with desk.writing() as tx:
            for j in range(ROWS_PER_TX):
                patient = Patient(
                    mrn=f"r{round_id}-{n}-{j}",
                    given_name="Crash",
                    family_name=f"Test{n}",
                    birth_date=date(1960, 1, 1),
                )
                tx.add(patient, kind="patient", patient_id=patient.id)
            tx.audit("crash.tx", detail={"round": round_id, "n": n})
        print(n, flush=True)
    desk.close()
    return 0


@dataclass(frozen=True)
class RoundResult:
    """What one kill round saw."""

    reported: int  # commits the child reported before it died
    present: int  # whole transactions found afterwards
    recovery_seconds: float  # unlock + check after the kill


def crash_round(
    data_dir: Path, login: str, password: str, round_id: str, rng: random.Random
) -> RoundResult:
    """One round: run the writer, kill it after a random number of commits, verify the vault.

    Raises ``AssertionError`` naming what was lost or broken.
    """
    from careDesk.model.patient import Patient
    from careDesk.paths import VaultPaths
    from careDesk.store.check import check_vault
    from careDesk.store.vault import unlock

    kill_after = rng.choice(
        [-1, 0, 0, *range(1, 40)]
    )  # -1: during start-up, 0: right after sign-in
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_writer", str(data_dir), round_id],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "CAREDESK_USER": login, "CAREDESK_PASSWORD": password},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    reported = 0
    if kill_after >= 0:
        for line in child.stdout:
            if line.strip().isdigit():
                reported = int(line)
            if reported >= kill_after:
                break
    child.kill()  # SIGKILL: no cleanup, no atexit, mid-transaction
    rest, err = child.communicate(timeout=60)
    assert "Traceback" not in err, err
    reported = max([reported, *(int(x) for x in rest.split() if x.isdigit())])

    started = time.perf_counter()
    desk = unlock(VaultPaths(data_dir), login, password)
    try:
        report = check_vault(desk)
        assert report.passed, report.problems
        with desk.reading() as session:
            mrns = session.exec(
                select(Patient.mrn).where(col(Patient.mrn).startswith(f"r{round_id}-"))
            ).all()
    finally:
        desk.close()
    elapsed = time.perf_counter() - started
    per_tx: dict[int, int] = {}
    for mrn in mrns:
        n = int(mrn.split("-")[1])
        per_tx[n] = per_tx.get(n, 0) + 1
    torn = {n: c for n, c in per_tx.items() if c != ROWS_PER_TX}
    assert not torn, f"round {round_id}: half-written transactions {sorted(torn)}"
    missing = [n for n in range(1, reported + 1) if n not in per_tx]
    assert not missing, f"round {round_id}: reported commits lost: {missing}"
    return RoundResult(reported, len(per_tx), elapsed)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))
