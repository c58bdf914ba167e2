"""Storage failures told apart: the one place SQLite's result codes (and the system's error
numbers) become typed errors (issue 18).

A full disk, a read-only folder, an input/output error or a database held by another task too
long are expected in a clinic (a small laptop disk, a USB stick, a network share), so each
reaches the person as one line naming the folder and what to do, never as a crash. Every
engine over a vault reports through :func:`install` (SQLAlchemy's ``handle_error`` event), so
it covers sign-in, migrations, reads and every write; the backup copy, which uses a raw
connection, calls :func:`storage_fault` itself. A failed statement or commit leaves the
transaction to be rolled back, so nothing is half-written (SQLite's atomic commit).

Result codes: https://www.sqlite.org/rescode.html (the primary code is the low byte of the
extended code the driver reports as ``sqlite_errorcode``).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from careDesk.errors import CareDeskError, DatabaseBusy, DiskError, DiskFull, FolderReadOnly

SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def _busy_seconds() -> float:
    from careDesk.store.engine import BUSY_TIMEOUT_MS

    return BUSY_TIMEOUT_MS / 1000


def sqlite_fault(exc: BaseException, folder: Path) -> CareDeskError | None:
    """The typed error for a storage failure SQLite reported, else ``None`` (a bug, or damage:
    a page that does not decrypt is :class:`~careDesk.errors.VaultDamaged`, decided by the
    vault)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == SQLITE_FULL:
        return DiskFull(str(folder))
    if primary in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        return FolderReadOnly(str(folder))
    if primary == SQLITE_IOERR:
        return DiskError(str(folder))
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseBusy(str(folder), _busy_seconds())
    return None


def os_fault(exc: OSError, folder: Path) -> CareDeskError | None:
    """The typed error for a failed file operation in ``folder``, else ``None``."""
    if exc.errno in _FULL_ERRNOS:
        return DiskFull(str(folder))
    if exc.errno in _READ_ONLY_ERRNOS:
        return FolderReadOnly(str(folder))
    if exc.errno == errno.EIO:
        return DiskError(str(folder))
    return None


def storage_fault(exc: BaseException, folder: Path) -> CareDeskError | None:
    """The typed error for ``exc`` (a driver error, SQLAlchemy's wrapper of one, or an
    ``OSError``) when it is a storage failure in ``folder``; else ``None``."""
    original = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's
    if isinstance(original, BaseException):
        exc = original
    if isinstance(exc, OSError):
        return os_fault(exc, folder)
    return sqlite_fault(exc, folder)


def install(engine: Engine, folder: Path) -> None:
    """Make every statement, commit and connection of ``engine`` raise the typed errors."""

    @event.listens_for(engine, "handle_error")
    def _typed(context: ExceptionContext) -> Any:
        fault = sqlite_fault(context.original_exception, folder)
        if fault is not None:
            raise fault from context.original_exception
        return None


def folder_writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` right now (a real try: permissions, ACLs and
    read-only disks all count, also for an administrator)."""
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".caredesk-probe-")
    except OSError:
        return False
    os.close(handle)
    Path(name).unlink(missing_ok=True)
    return True
