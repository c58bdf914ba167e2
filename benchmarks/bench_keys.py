"""Key rotation on the 50,000-patient demo clinic (issue 16): budget one minute, with progress.

A rotation (Rotate keys, disabling a user, a new password) seals a new database key to every
active user and re-encrypts the whole database under it (``PRAGMA rekey``). Measured on a copy
of ``bench_care``'s cached demo clinic (built on first use; ``CAREDESK_BENCH_PATIENTS`` sets a
smaller one for a quick try), since a rotation rewrites the file:

- "Rotate keys" as an admin runs it, progress printed as it is reported;
- disabling a demo user (the same rotation, started by the verb);
- the library floor: a bare ``PRAGMA rekey`` of the same file with SQLCipher alone.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.engine import raw_connect
from careDesk.store.vault import unlock

Report = Callable[..., None]
BUDGET_SECONDS = 60.0


class _Printer:
    """Prints the rotation's progress every tenth of the way (what a progress bar shows)."""

    def __init__(self) -> None:
        self.shown = -1
        self.calls = 0

    def __call__(self, done: int, total: int, what: str) -> None:
        self.calls += 1
        tenth = 10 * done // total if total else 0
        if tenth != self.shown:
            self.shown = tenth
            print(f"   {what} {10 * tenth}%")


def _copy(source: Path, target: Path) -> VaultPaths:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("backups", "*.lock"))
    return VaultPaths(target)


def _rotate(paths: VaultPaths, login: str, password: str, report: Report, label: str) -> None:
    desk = unlock(paths, login, password)
    with desk:
        size = paths.database.stat().st_size
        printer = _Printer()
        started = time.perf_counter()
        result = desk.users.rotate_keys(progress=printer)
        elapsed = time.perf_counter() - started
        print(f"   {printer.calls} progress reports; sealed to {len(result.kept)} user(s)")
        report(f"rotate keys, {label} ({size / 1e6:,.0f} MB)", elapsed, BUDGET_SECONDS)
        victim = next(u.login for u in desk.users.list() if u.login != login and not u.disabled)
        started = time.perf_counter()
        desk.users.disable(victim, progress=_Printer())
        report(f"disable a user (rotates), {label}", time.perf_counter() - started, BUDGET_SECONDS)


def _floor(paths: VaultPaths, login: str, password: str, report: Report) -> None:
    desk = unlock(paths, login, password, readonly=True)
    key = desk.key
    desk.close()
    conn = raw_connect(paths.database, key)
    try:
        started = time.perf_counter()
        conn.execute(f"PRAGMA rekey = \"x'{bytes(32).hex()}'\"")
        report(
            "bare PRAGMA rekey of the same file (library floor)",
            time.perf_counter() - started,
            BUDGET_SECONDS,
        )
    finally:
        conn.close()


def run(report: Report) -> None:
    """Entry point for ``python -m benchmarks``."""
    production = keyslots.ARGON2_DEFAULTS
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    try:
        _run(report)
    finally:
        keyslots.ARGON2_DEFAULTS = production


def _run(report: Report) -> None:
    from benchmarks import bench_care

    folder, info, _cached = bench_care._prepared()
    label = f"{info['patients']:,} patients"
    with tempfile.TemporaryDirectory(dir=bench_care.CACHE) as tmp:
        paths = _copy(folder / "vault", Path(tmp) / "rotated")
        _rotate(paths, bench_care.LOGIN, bench_care.PASSWORD, report, label)
        floor = _copy(folder / "vault", Path(tmp) / "floor")
        _floor(floor, bench_care.LOGIN, bench_care.PASSWORD, report)
