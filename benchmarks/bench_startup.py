"""Start-up (issue 19; budget in docs/architecture.md#performance-budgets: cold start ≤ 1.5 s,
target 1 s): launch to a usable sign-in window, timed as a whole process.

The real app (``python -m ui.entry --exit-when-ready``) starts on a data folder holding a vault
that someone signed in to before (without "Remember me"), under the offscreen Qt platform;
the clock runs from spawning the process until it prints
``ready``, which it does once the sign-in window has been shown and painted (so the interpreter,
every import, Qt's start, the style sheet, the icon, the keyring check and the dialog are all
in it; the exit is not). One warm-up launch (disk cache, bytecode), then the median of
``RUNS``. The load average is printed beside it: on a shared machine it stretches wall time.

Also printed: importing the sign-in path alone (``ui.entry`` + ``ui.app``) in a fresh process,
and which heavy libraries that import pulls in (none of Alembic, pyqtgraph, numpy, reportlab,
SQLAlchemy should be there: ``tests/ui/test_startup_imports.py`` guards it).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault
from ui.prefs import Prefs

Report = Callable[..., None]
RUNS = int(os.environ.get("CAREDESK_BENCH_STARTUP_RUNS", "7"))
BUDGET, TARGET = 1.5, 1.0
ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("alembic", "pyqtgraph", "numpy", "reportlab", "sqlalchemy", "sqlmodel", "zxcvbn")
IMPORT_PROBE = (
    "import sys, time; t = time.perf_counter(); import ui.entry, ui.app; "
    "print(time.perf_counter() - t); "
    f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
)


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _launch(data_dir: Path) -> tuple[float, float]:
    """Seconds from spawning the app until its sign-in window has painted, and the CPU seconds
    the process used (through its exit: less stretched by a busy machine than wall time)."""
    cpu = _child_cpu()
    command = [sys.executable, "-m", "ui.entry", "--exit-when-ready", "--data-dir", str(data_dir)]
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          env=_env(), text=True) as app:  # fmt: skip
        assert app.stdout is not None
        for line in app.stdout:
            if line.startswith("ready"):
                seconds = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"the app exited ({app.wait()}) without showing a window")
        app.wait(timeout=60)
    return seconds, _child_cpu() - cpu


def _import_probe() -> tuple[float, str]:
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                         env=_env(), check=True).stdout.splitlines()  # fmt: skip
    return float(out[0]), out[1] if len(out) > 1 else ""


def run(report: Report) -> None:
    """Launch the app ``RUNS`` times to its sign-in window; report the median."""
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        production = keyslots.ARGON2_DEFAULTS
        keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
        try:  # a vault, so the sign-in window (not the first-run one) opens; never unlocked
            desk, _recovery = create_vault(VaultPaths(data_dir), "bench", "quiet lantern river 42")
            desk.close()
        finally:
            keyslots.ARGON2_DEFAULTS = production
        # As on a clinic's computer: someone signed in here before (not "remembered").
        Prefs(data_dir).set("last_login", "bench")
        Prefs(data_dir).sync()
        _launch(data_dir)  # warm-up: disk cache and bytecode
        times, cpus, loads = [], [], []
        for _ in range(RUNS):
            seconds, cpu = _launch(data_dir)
            times.append(seconds)
            cpus.append(cpu)
            loads.append(os.getloadavg()[0])
        imports = [_import_probe() for _ in range(3)]
    median = statistics.median(times)
    print(
        "   launches: " + ", ".join(f"{t:.2f}" for t in sorted(times)) + " s;"
        f" load average {statistics.median(loads):.1f} on {os.cpu_count()} cores;"
        f" {median / TARGET:.2f} × the 1 s target;"
        f" CPU per launch (to exit) median {statistics.median(cpus):.2f} s"
    )
    heavy = imports[-1][1] or "none"
    print(
        f"   importing the sign-in path (ui.entry + ui.app) alone:"
        f" {statistics.median(t for t, _ in imports):.2f} s; heavy libraries it loads: {heavy}"
    )
    report(f"launch to a painted sign-in window (median of {RUNS})", median, BUDGET)
