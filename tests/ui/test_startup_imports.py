"""Start-up (issue 19): the sign-in window opens without loading what only a signed-in session
needs, so launch stays within its budget (docs/architecture.md#performance-budgets). Not timed:
it checks which libraries the real launch has loaded, in a fresh process, which cannot drift
with the machine's load. The time itself is measured by ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from careDesk.desk import Desk

# Heavy, and needed only later: Alembic when a migration is due, pyqtgraph/numpy on the Measures
# tab, reportlab when printing, SQLAlchemy/SQLModel (the desk) after the password is accepted,
# zxcvbn when a password is set.
DEFERRED = ("alembic", "pyqtgraph", "numpy", "reportlab", "sqlalchemy", "sqlmodel", "zxcvbn")
ROOT = Path(__file__).resolve().parents[2]

LAUNCH = """
import sys
from ui.entry import main
status = main(["--exit-when-ready", "--data-dir", sys.argv[1]])
print("loaded:", " ".join(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:])))
sys.exit(status)
"""


def _launch(data_dir: Path) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(data_dir), *DEFERRED],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_sign_in_window_opens_without_the_signed_in_libraries(desk: Desk) -> None:
    desk.close()
    out = _launch(desk.paths.root)
    assert "ready: Sign in to careDesk" in out  # the real sign-in window was shown and painted
    loaded = next(line for line in out if line.startswith("loaded:")).split()[1:]
    assert loaded == [], f"the launch to the sign-in window imported {', '.join(loaded)}"
