"""Reading ahead on a thread: hand items to a bounded queue until the reader is told to stop.

The first upload reads the vault a chunk ahead of the server. (The first sync reads the
server ahead of the vault by a budget of characters: ``careDesk/sync/snapshot.py``.)
"""

from __future__ import annotations

import queue
import threading
from typing import TypeVar

T = TypeVar("T")


def offer(items: queue.Queue[T], item: T, stop: threading.Event) -> bool:
    """Put ``item`` once there is room; False (nothing put) once ``stop`` is set."""
    while not stop.is_set():
        try:
            items.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False
