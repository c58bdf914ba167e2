"""Care-record benchmarks on the 50,000-patient demo clinic (issue 3; budgets in
docs/architecture.md#performance-budgets).

- demo generation: ``generate_demo`` of 50,000 patients into an encrypted vault, risk scores
  included (budget 3 minutes);
- patient search p95 over a few hundred queries: name prefixes (with and without accents),
  MRNs and phone numbers (budget 20 ms);
- worklist first page (budget 300 ms);
- opening a chart whose patient has 500 timeline entries (budget 150 ms);
- each read workload again on an unencrypted copy (``sqlcipher_export``), reported as the
  encrypted ÷ unencrypted ratio (budget ≤ 1.3).

The generated vault and its plain copy are cached in ``bench-data/`` (git-ignored), keyed by
seed, size and a hash of the code that shapes the data, so repeated runs skip the generation
(the cached run reports the time measured when the cache was built, and says so).
``CAREDESK_BENCH_PATIENTS`` sets a smaller clinic for a quick try.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.care.demo.people import ascii_fold
from careDesk.desk import Desk
from careDesk.model.base import new_id, utcnow
from careDesk.model.timeline import TimelineEntry
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.engine import FORMAT, build_engine, raw_connect
from careDesk.store.vault import create_vault, unlock

Report = Callable[..., None]
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench-data"
SEED = 2026
PATIENTS = int(os.environ.get("CAREDESK_BENCH_PATIENTS", "50000"))
LOGIN, PASSWORD = "bench", "quiet lantern river 42"  # synthetic data only
TIMELINE_ENTRIES = 500
SEARCHES = 300
RUNS = 15
# The code whose changes alter the generated vault: its hash names the cache folder.
SHAPING = (
    "careDesk/care/demo",
    "careDesk/model",
    "careDesk/store/migrations/versions",
    "careDesk/store/schema_extras.py",
    "careDesk/care/risk",
    "careDesk/care/instruments",
)


def _code_version() -> str:
    digest = hashlib.sha256()
    digest.update(repr(FORMAT).encode())  # a vault's page size and HMAC shape its file
    for name in SHAPING:
        base = ROOT / name
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for path in files:
            if path.is_file() and path.suffix in (".py", ".json"):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _folder() -> Path:
    return CACHE / f"care-{PATIENTS}-seed{SEED}-{_code_version()}"


# ----- building the cached clinic -------------------------------------------------------------
def _busy_patient(desk: Desk) -> str:
    """Give the first demo patient 500 timeline entries (one bulk insert); returns its id."""
    with desk.writing(None) as tx:
        patient_id = tx.session.execute(
            text("SELECT id FROM patient ORDER BY mrn LIMIT 1")
        ).scalar_one()
        now = utcnow()
        tx.session.add_all(
            TimelineEntry(
                id=new_id(),
                patient_id=patient_id,
                kind="call" if i % 3 else "note",
                at=now - timedelta(hours=7 * i),
                author_id=desk.user.id,
                summary="Check-in call" if i % 3 else "Reviewed medications",
                minutes=10,
                created_at=now,
                updated_at=now,
                changed_by=desk.user.id,
            )
            for i in range(TIMELINE_ENTRIES)
        )
    return str(patient_id)


def _plain_copy(folder: Path, key: bytes) -> None:
    """An unencrypted copy of the vault database (SQLCipher's ``sqlcipher_export``), with the
    vault's page size: the ratio compares encryption, not page sizes."""
    plain = folder / "plain" / "vault.db"
    plain.parent.mkdir(exist_ok=True)
    conn = raw_connect(folder / "vault" / "vault.db", key)
    try:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        conn.execute(f"ATTACH DATABASE '{plain.as_posix()}' AS plaintext KEY ''")
        conn.execute(f"PRAGMA plaintext.page_size = {size}")
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()


def _build(folder: Path) -> dict[str, Any]:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    desk, _recovery = create_vault(VaultPaths(folder / "vault"), LOGIN, PASSWORD)
    with desk:
        print(f"   generating {PATIENTS:,} demo patients (cached afterwards in {folder.name})")
        load = os.getloadavg()[0]
        cpu = time.process_time()
        with desk.write_lane.recording() as holds:
            summary = generate_demo(
                desk, patients=PATIENTS, seed=SEED, coordinator_password=PASSWORD
            )
        cpu = time.process_time() - cpu
        busy = _busy_patient(desk)
        _plain_copy(folder, desk.key)
    info = {
        "patients": PATIENTS,
        "seed": SEED,
        "generation_seconds": summary.seconds,
        "risk_seconds": summary.risk_seconds or 0.0,
        "cpu_seconds": cpu,
        "load_average": load,
        "rows": sum(summary.rows.values()),
        "busy_patient": busy,
        "vault_id": desk.vault_id,
        "hold_max": holds.longest(),
        "hold_p95": holds.percentile(0.95),
        "transactions": len(holds.holds),
    }
    (folder / "ready.json").write_text(json.dumps(info, indent=1))
    return info


def _prepared() -> tuple[Path, dict[str, Any], bool]:
    folder = _folder()
    marker = folder / "ready.json"
    if marker.exists():
        return folder, json.loads(marker.read_text()), True
    for stale in CACHE.glob(f"care-{PATIENTS}-seed{SEED}-*"):
        shutil.rmtree(stale)
    return folder, _build(folder), False


# ----- the workloads ---------------------------------------------------------------------------
def _plain_desk(folder: Path, encrypted: Desk) -> Desk:
    """The same signed-in user on the unencrypted copy (engine built with key None)."""
    paths = VaultPaths(folder / "plain")
    lock = FileLock(str(paths.lock), timeout=0)
    lock.acquire()
    engine = build_engine(paths.database, None)
    return Desk(
        paths=paths,
        engine=engine,
        key=b"plain",
        vault_id=encrypted.vault_id,
        user=encrypted.user,
        lock=lock,
    )


def _queries(desk: Desk) -> list[str]:
    """Name prefixes (some typed without accents), MRNs and phone numbers of real patients."""
    rng = random.Random(SEED)
    with desk.reading() as session:
        rows = session.execute(
            text("SELECT family_name, given_name, mrn, phone_digits FROM patient")
        ).all()
    picked = rng.sample(list(rows), SEARCHES)
    queries = []
    for n, (family, given, mrn, phone) in enumerate(picked):
        kind = n % 5
        if kind == 0:
            queries.append(family[: 3 + n % 3])
        elif kind == 1:
            queries.append(ascii_fold(family)[:4].lower())
        elif kind == 2:
            queries.append(f"{given.split()[-1][:3]} {family[:3]}")
        elif kind == 3:
            queries.append(mrn if n % 2 else mrn[:7])
        else:
            queries.append(phone)
    return queries


KINDS = ("family prefix", "unaccented prefix", "given + family", "MRN", "phone")


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def _search_p95(desk: Desk, queries: list[str]) -> float:
    for q in queries[:20]:
        desk.patients.search(q)
    times = []
    for q in queries:
        started = time.perf_counter()
        desk.patients.search(q)
        times.append(time.perf_counter() - started)
    by_kind = {kind: _p95(times[n :: len(KINDS)]) for n, kind in enumerate(KINDS)}
    print(
        "   search p95 by kind: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in by_kind.items())
    )
    return _p95(times)


def _median(fn: Callable[[], object]) -> float:
    fn()  # warm the page cache, as a coordinator's second look would
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _worklist(desk: Desk) -> Any:
    service = getattr(desk, "worklist", None)
    if service is None:  # until the desk offers it as a service
        from careDesk.care.worklist import Worklist

        service = Worklist(desk)
    return service


def _workloads(desk: Desk, busy: str, queries: list[str]) -> dict[str, float]:
    worklist = _worklist(desk)
    return {
        "search": _search_p95(desk, queries),
        "worklist": _median(lambda: worklist.rows(limit=50)),
        "chart": _median(lambda: desk.patients.chart(busy)),
    }


def run(report: Report) -> None:
    """Build (or reuse) the demo clinic, then time the reads encrypted and plain."""
    production = keyslots.ARGON2_DEFAULTS
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    try:
        _run(report)
    finally:
        keyslots.ARGON2_DEFAULTS = production


def _run(report: Report) -> None:
    folder, info, cached = _prepared()
    total = info["generation_seconds"] + info["risk_seconds"]
    label = " (cached: time measured when built)" if cached else ""
    # A shared machine stretches wall time: the CPU time and load show how much.
    print(
        f"   generation {info['generation_seconds']:.1f} s + risk {info['risk_seconds']:.1f} s,"
        f" {info['rows']:,} rows; process CPU {info.get('cpu_seconds', 0):.1f} s,"
        f" load average {info.get('load_average', 0):.1f} on {os.cpu_count()} cores"
    )
    report(f"demo generation, {info['patients']:,} patients{label}", total, 180.0)
    if "hold_max" in info:  # the write lane while it ran (careDesk/ops/lane.py)
        print(f"   demo generation committed in {info['transactions']:,} transactions")
        report(f"longest write-lock hold during demo generation{label}", info["hold_max"], 0.100)
        report(f"write-lock hold during demo generation, p95{label}", info["hold_p95"], 0.100)
    encrypted = unlock(VaultPaths(folder / "vault"), LOGIN, PASSWORD)
    plain = _plain_desk(folder, encrypted)
    with encrypted, plain:
        queries = _queries(encrypted)
        enc = _workloads(encrypted, info["busy_patient"], queries)
        clear = _workloads(plain, info["busy_patient"], queries)
    report(f"patient search p95 ({SEARCHES} queries)", enc["search"], 0.020, clear["search"])
    report("worklist first page (50 rows)", enc["worklist"], 0.300, clear["worklist"])
    report(f"open chart ({TIMELINE_ENTRIES} timeline entries)", enc["chart"], 0.150, clear["chart"])
