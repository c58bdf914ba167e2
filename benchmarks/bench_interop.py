"""Interop throughput: FHIR import in MB/s on the Synthea samples, export time per patient.

The 20 Synthea R4 bundles (``tests/fixtures/synthea``, about 13 MB) are imported into a fresh
encrypted vault and, for the ratio, into an unencrypted copy of the same empty vault (SQLCipher's
``sqlcipher_export``); a third copy takes the first-use costs first. Budgets: import at least
1 MB/s (so the samples within size ÷ 1 MB/s), a patient's FHIR Bundle in at most 200 ms, a
referral packet PDF in at most 300 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.engine import build_engine, raw_connect
from careDesk.store.vault import create_vault

from . import __main__ as runner

SYNTHEA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "synthea"
MIN_MB_PER_S = 1.0
EXPORT_BUDGET = 0.200
PACKET_BUDGET = 0.300


def _plain_desk(folder: Path, encrypted: Desk, name: str = "plain") -> Desk:
    """The same user on an unencrypted copy of ``encrypted`` (taken while it is still empty)."""
    plain = folder / name
    plain.mkdir()
    conn = raw_connect(encrypted.paths.database, encrypted.key)
    try:
        conn.execute(f"ATTACH DATABASE '{(plain / 'vault.db').as_posix()}' AS plaintext KEY ''")
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()
    paths = VaultPaths(plain)
    lock = FileLock(str(paths.lock), timeout=0)
    lock.acquire()
    return Desk(
        paths=paths,
        engine=build_engine(paths.database, None),
        key=b"plain",
        vault_id=encrypted.vault_id,
        user=encrypted.user,
        lock=lock,
    )


def _import_seconds(desk: Desk, files: list[Path]) -> float:
    started = time.perf_counter()
    reports = desk.interop.import_paths(files)
    elapsed = time.perf_counter() - started
    rejected = [r.line() for r in reports if not r.accepted]
    if rejected:
        raise RuntimeError(f"sample rejected: {rejected[0]}")
    return elapsed


def _median(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(report: runner.Report) -> None:
    """Import the samples encrypted and plain, then time exports per patient."""
    production = keyslots.ARGON2_DEFAULTS
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    try:
        _run(report)
    finally:
        keyslots.ARGON2_DEFAULTS = production


def _run(report: runner.Report) -> None:
    files = sorted(SYNTHEA.glob("*.json"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        desk, _ = create_vault(VaultPaths(folder / "vault"), "bench", "quiet lantern river 42")
        plain = _plain_desk(folder, desk)
        with _plain_desk(folder, desk, "warm-up") as warm:
            _import_seconds(warm, files)  # first-use costs (validators, SQL compiling) land here
        with desk, plain:
            encrypted_s = _import_seconds(desk, files)
            plain_s = _import_seconds(plain, files)
            rate, plain_rate = megabytes / encrypted_s, megabytes / plain_s
            print(f"   import: {megabytes:.1f} MB in {encrypted_s:.2f} s = {rate:.2f} MB/s"
                  f" (unencrypted {plain_rate:.2f} MB/s)")  # fmt: skip
            report(f"FHIR import, {len(files)} Synthea bundles ({megabytes:.1f} MB)",
                   encrypted_s, megabytes / MIN_MB_PER_S, plain_s)  # fmt: skip
            again = _import_seconds(desk, files)
            report("FHIR re-import (all unchanged)", again, megabytes / MIN_MB_PER_S)
            patients = [r.patient_ids[0] for r in desk.interop.import_paths(files[:5])]
            out = folder / "out"
            out.mkdir()
            per_patient = statistics.median(
                _median(lambda p=p: desk.interop.export_fhir(p, out / "p.json")) for p in patients
            )
            report("FHIR export, one patient (median of 5)", per_patient, EXPORT_BUDGET)
            packet = _median(lambda: desk.interop.export_packet(patients[0], out / "p.pdf"))
            report("referral packet PDF + Bundle, one patient", packet, PACKET_BUDGET)
