"""One road for every write: the core operation runner, its write lane, progress and chunks.

See docs/architecture.md#how-a-write-reaches-the-database. Never imports Qt; the desktop's
``ui/worker.py`` adapts :class:`Runner` to signals on the GUI thread.
"""

from careDesk.ops.chunks import HOLD_BUDGET, ChunkSizer
from careDesk.ops.context import Priority, current_priority
from careDesk.ops.heap import settled
from careDesk.ops.lane import Hold, HoldLog, WriteLane, is_locked_error
from careDesk.ops.progress import Aside, Cancelled, Progress
from careDesk.ops.runner import Kind, Op, Runner, Ticket, job, read, write

__all__ = [
    "HOLD_BUDGET",
    "Aside",
    "Cancelled",
    "ChunkSizer",
    "Hold",
    "HoldLog",
    "Kind",
    "Op",
    "Priority",
    "Progress",
    "Runner",
    "Ticket",
    "WriteLane",
    "current_priority",
    "is_locked_error",
    "job",
    "read",
    "settled",
    "write",
]
