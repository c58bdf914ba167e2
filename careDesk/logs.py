"""Logging without patient data.

Crash reports keep the exception type and the stack's file/line/function names only: never
exception messages or local values, which could hold a name or a diagnosis.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from careDesk.model.base import utcnow
from careDesk.paths import log_dir


def scrubbed_trace(exc: BaseException) -> str:
    """The stack of ``exc`` as file:line in function, with no message text."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"{type(exc).__module__}.{type(exc).__qualname__}"]
    lines += [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    return "\n".join(lines)


def log_unexpected(exc: BaseException, folder: Path | None = None) -> Path:
    """Write a scrubbed crash report; returns its path."""
    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{utcnow():%Y%m%d-%H%M%S-%f}.txt"
    path.write_text(scrubbed_trace(exc) + "\n", encoding="utf-8")
    logging.getLogger("careDesk").error("unexpected %s; report %s", type(exc).__name__, path.name)
    return path
