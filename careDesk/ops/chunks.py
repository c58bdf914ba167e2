"""Short chunks for long jobs: how much the next transaction takes, from how long the last took.

A long job (the risk refresh of every patient, a demo clinic, a first sync's copy) commits in
chunks so no transaction holds the write lane for more than about :data:`HOLD_BUDGET`; between
two chunks a waiting save goes first (:mod:`careDesk.ops.lane`). A fixed chunk size would be too
big on a slow laptop and needlessly small on a fast one, so the size follows the measured time:
it grows toward half the budget while chunks are quick, and shrinks to fit once one comes near
the budget. Each job sets a floor: a chunk also has a fixed cost (its queries, its commit), and
below some size shrinking no longer shortens the hold, it only multiplies that cost.
"""

from __future__ import annotations

HOLD_BUDGET = 0.100  # seconds a write may hold the database (docs/architecture.md)
TARGET = HOLD_BUDGET / 2  # what chunks aim at, leaving room for a slower one
TOO_LONG = HOLD_BUDGET * 3 / 4  # a chunk past this shrinks the next one


class ChunkSizer:
    """The next chunk's size: grows at most twofold a step, shrinks at once near the budget."""

    def __init__(self, first: int, *, low: int = 1, high: int = 100_000) -> None:
        self.low = low
        self.high = high
        self.size = max(low, min(first, high))

    def took(self, seconds: float, items: int) -> None:
        """Tell how long the last chunk of ``items`` took; sets :attr:`size` for the next."""
        if items <= 0:
            return
        fitting = int(TARGET * items / seconds) if seconds > 0 else self.high
        if seconds > TOO_LONG:
            self.size = max(self.low, min(fitting, self.size))
        elif seconds < TARGET:
            self.size = min(max(fitting, self.size), self.size * 2, self.high)
