"""A committed change is never lost: SIGKILL a writer at random moments.

See docs/architecture.md#reliability-promises.
"""

from __future__ import annotations

import random

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from tests.conftest import ADMIN, PASSWORD
from tests.reliability.crash_writer import crash_round

ROUNDS = 20


def test_killed_writer_never_loses_a_reported_commit(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.close()
    rng = random.Random(20260611)
    results = [crash_round(vault_paths.root, ADMIN, PASSWORD, str(i), rng) for i in range(ROUNDS)]
    assert len(results) == ROUNDS
    # The kills really landed while work was going on (not only before the first commit).
    assert sum(r.reported > 0 for r in results) >= ROUNDS // 2
    assert all(r.present >= r.reported for r in results)
