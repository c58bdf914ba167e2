"""Logging without patient data.

Crash reports go to the platform's log folder (:func:`careDesk.paths.log_dir`) and keep the
exception type and the stack's file/line/function names only: never exception messages or
local values, which could hold a name or a diagnosis.
"""

from __future__ import annotations

import faulthandler
import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from careDesk.paths import log_dir, open_private, private_dir


def scrubbed_trace(exc: BaseException) -> str:
    """The stack of ``exc`` as file:line in function, with no message text."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"{type(exc).__module__}.{type(exc).__qualname__}"]
    lines += [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    return "\n".join(lines)


def log_unexpected(exc: BaseException, folder: Path | None = None) -> Path:
    """Write a scrubbed crash report; returns its path."""
    folder = private_dir(folder or log_dir())
    path = folder / f"crash-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.txt"
    with open_private(path, "w", encoding="utf-8") as fh:
        fh.write(scrubbed_trace(exc) + "\n")
    logging.getLogger("careDesk").error("unexpected %s; report %s", type(exc).__name__, path.name)
    return path


NATIVE_CRASH_LOG = "native-crashes.txt"
_native_log: IO[Any] | None = None


def record_native_crashes(folder: Path | None = None) -> Path:
    """Have a hard crash (in Qt or SQLCipher, below Python) leave its stack in the log folder.

    :mod:`faulthandler` writes the signal and each thread's file:line and function names, never
    values. The installed app turns this on at start (``installer/caredesk_main.py``).
    """
    global _native_log
    folder = private_dir(folder or log_dir())
    path = folder / NATIVE_CRASH_LOG
    previous, _native_log = _native_log, open_private(path, "a", encoding="utf-8")
    faulthandler.enable(_native_log, all_threads=True)
    if previous is not None:
        previous.close()
    return path
