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

from careDesk.text import visible_controls


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
