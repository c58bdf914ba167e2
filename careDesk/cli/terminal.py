"""What the command line prints is safe for the terminal (issue 16).

Stored text (a name imported from a file, a note) might hold an escape sequence that rewrites
the screen, a carriage return that hides the rest of a line, or a right-to-left override that
reverses it. Everything a command writes to stdout and stderr goes through
:func:`careDesk.text.visible_controls`, so such characters show as ``\\uXXXX`` instead of acting.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from careDesk.ops import Progress
from careDesk.text import visible_controls

PROGRESS_WIDTH = 79  # a progress line is padded to this, so a shorter one hides a longer one


class SafeStream:
    """A text stream that shows control characters instead of passing them to the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Override TextIO.write: control and format characters are shown as escapes."""
        self._stream.write(visible_controls(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def start_over(self) -> None:
        """Back to the start of the line, for a progress line that rewrites itself: the one
        control character written as it is, since careDesk writes it, not stored text."""
        self._stream.write("\r")

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer…
        return getattr(self._stream, name)


@contextmanager
def safe_output() -> Iterator[None]:
    """stdout and stderr made safe for the duration of one command."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


@contextmanager
def progress_line(progress: Progress) -> Iterator[None]:
    """On a terminal, ``progress`` as one line on stderr, rewritten at each step (``Copying the
    clinic to this workstation: 120,000 of 2,862,756``) and ended with the block; nothing when
    stderr is a pipe or a file (stdout stays for results either way)."""
    if not sys.stderr.isatty():
        yield
        return
    progress.listen(_show)
    try:
        yield
    finally:
        print(file=sys.stderr, flush=True)


def _show(progress: Progress) -> None:
    message, done, total = progress.snapshot()
    line = f"  {message}: {done:,} of {total:,}" if total else f"  {message}"
    err = sys.stderr
    if isinstance(err, SafeStream):
        err.start_over()
    else:
        err.write("\r")
    print(f"{line:<{PROGRESS_WIDTH}}", end="", file=err, flush=True)
