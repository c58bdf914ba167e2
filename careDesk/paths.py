"""Where careDesk keeps its files: one place, overridable for tests and scripts.

The data folder comes from ``--data-dir``, then ``CAREDESK_DATA_DIR``, then the platform's user
data folder (``platformdirs``). Logs and crash reports go to ``logs/`` inside a data folder that was
chosen (by ``--data-dir`` through :func:`use_data_dir`, or by ``CAREDESK_DATA_DIR``), else to the
platform's log folder.

Private files (docs/security.md, issue 16): on POSIX every folder careDesk creates is 0700 and every
file it writes 0600 (vault, key slots, sign-in counters, backups, logs and crash reports,
exports, handouts, referral packets), through the helpers here: :func:`private_dir`,
:func:`open_private`, :func:`write_private_atomic`. A vault folder made by an older careDesk
(or copied in) is tightened each time it is opened (:meth:`VaultPaths.tighten`), and the
command line and the app run with umask 077 so nothing a library writes is wider. On Windows
the files inherit the ACL of the user's profile folder (readable by that user and
administrators only), so the modes are left alone there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import platformdirs

POSIX = os.name == "posix"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
APP_NAME = "careDesk"
APP_AUTHOR = "careDesk"
ENV_DATA_DIR = "CAREDESK_DATA_DIR"

# The data folder named on the command line for this process (``--data-dir``), if any.
_chosen_data_dir: Path | None = None


@dataclass(frozen=True)
class VaultPaths:
    """The files that make up one vault inside a data folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "vault.db"

    @property
    def key_slots(self) -> Path:
        return self.root / "vault.keys"

    @property
    def sign_ins(self) -> Path:
        """Failed sign-in counters (never a password), readable before the vault opens."""
        return self.root / "vault.signins"

    @property
    def head(self) -> Path:
        """The signed head of the audit trail, rewritten after each change (an anchor)."""
        return self.root / "vault.head"

    @property
    def lock(self) -> Path:
        return self.root / "vault.lock"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def sidecars(self) -> list[Path]:
        """Files that belong with the database and go where it goes (kept aside on a restore,
        removed with a vault that failed half-way): its WAL and shared memory, and the signed
        head of its audit trail."""
        return [Path(f"{self.database}-wal"), Path(f"{self.database}-shm"), self.head]

    def exists(self) -> bool:
        return self.database.exists() or self.key_slots.exists()

    def owned(self) -> list[Path]:
        """What careDesk keeps in the data folder: the vault's files and its own folders (the
        folder may hold other things of the user's, which are left alone)."""
        folders = [self.backups, self.logs, self.root / ".staging"]
        folders += sorted(self.root.glob("before-restore-*"))
        files = [p for p in self.root.glob("vault.*") if p.is_file()]
        files += [p for p in (self.root / "desktop.ini",) if p.is_file()]  # the app's layout
        return [*files, *(f for f in folders if f.is_dir())]

    def tighten(self) -> None:
        """The data folder and what careDesk keeps in it: folders 0700, files 0600 (POSIX; best
        effort: a file owned by someone else is left, and never stops the vault opening)."""
        if not POSIX or not self.root.is_dir():
            return
        _chmod(self.root, PRIVATE_DIR)
        for path in self.owned():
            if path.is_file():
                _chmod(path, PRIVATE_FILE)
                continue
            _chmod(path, PRIVATE_DIR)
            for folder, dirs, files in os.walk(path):
                for name in dirs:
                    _chmod(Path(folder) / name, PRIVATE_DIR)
                for name in files:
                    _chmod(Path(folder) / name, PRIVATE_FILE)


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: explicit argument, then the environment, then the platform default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def vault_paths(explicit: str | os.PathLike[str] | None = None) -> VaultPaths:
    """The vault files inside the chosen data folder."""
    return VaultPaths(data_dir(explicit))


def use_data_dir(explicit: str | os.PathLike[str] | None) -> None:
    """Remember the ``--data-dir`` this process runs on, so its logs go beside that vault.

    ``None`` forgets it (the environment and the platform default apply again).
    """
    global _chosen_data_dir
    _chosen_data_dir = data_dir(explicit) if explicit else None


def log_dir() -> Path:
    """Where logs and crash reports go (never patient data): ``logs/`` in a chosen data folder."""
    if _chosen_data_dir is not None:
        return _chosen_data_dir / "logs"
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().resolve() / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


# ----- private files (issue 16) ---------------------------------------------------------------
def _chmod(path: Path, mode: int) -> None:
    if not POSIX:
        return
    with contextlib.suppress(OSError):  # not ours (another owner) or gone: leave it
        if not path.is_symlink() and (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)


def private_dir(path: Path, *, tighten_existing: bool = True) -> Path:
    """``path`` as a folder, created 0700 (and any missing parents); an existing one is made
    0700 too unless ``tighten_existing`` is false (a folder the user picked, e.g. Documents)."""
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for created in missing:  # mkdir's mode is masked by the umask; say it exactly
        _chmod(created, PRIVATE_DIR)
    if tighten_existing:
        _chmod(path, PRIVATE_DIR)
    return path


def make_private(path: Path) -> Path:
    """An existing file made 0600 (POSIX)."""
    _chmod(path, PRIVATE_FILE)
    return path


def open_private(path: Path, mode: str = "wb", *, encoding: str | None = None) -> IO[Any]:
    """Open ``path`` for writing as a 0600 file (created so, or tightened if it existed)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_APPEND if "a" in mode else os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE)
    if POSIX:
        with contextlib.suppress(OSError):
            os.fchmod(fd, PRIVATE_FILE)
    newline = "" if "b" not in mode else None
    return os.fdopen(fd, mode, encoding=encoding, newline=newline)


def write_private_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file: a temporary file beside it, fsync, rename; a
    crash leaves the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open_private(tmp) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    if not POSIX:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created meanwhile (by careDesk or a library) are for this user only."""
    if not POSIX:
        yield
        return
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
