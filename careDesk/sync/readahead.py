"""Reading ahead on a thread: hand items to a bounded queue until the reader is told to stop.

The first upload reads the vault a chunk ahead of the server (:func:`offer`, a bounded queue);
the first sync reads the server ahead of the vault by a budget of characters (:class:`Ahead`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

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


class Ahead(Generic[T]):
    """Items between a reading and a consuming thread, each with its size: the reader waits
    once they hold ``limit`` (an item larger than that still passes, alone). The reader ends
    with None, or hands over the error that ended it."""

    def __init__(self, limit: int) -> None:
        self.limit, self.held = limit, 0
        self.queue: queue.SimpleQueue[tuple[T | BaseException | None, int]] = queue.SimpleQueue()
        self.room = threading.Condition()

    def put(self, item: T | BaseException | None, size: int, stop: threading.Event) -> bool:
        """Hand ``item`` over once there is room; False (nothing handed) once ``stop`` is set."""
        with self.room:
            while self.held and self.held + size > self.limit:
                if stop.is_set():
                    return False
                self.room.wait(0.2)
            if stop.is_set():
                return False
            self.held += size
        self.queue.put((item, size))
        return True

    def items(self) -> Iterator[T]:
        """The items in order, until the reader's end; its error is raised here."""
        while True:
            item, size = self.queue.get()
            with self.room:
                self.held -= size
                self.room.notify()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
