"""Where careDesk keeps its files: one place, overridable for tests and scripts.

The data folder comes from ``--data-dir``, then ``CAREDESK_DATA_DIR``, then the platform's user
data folder (``platformdirs``). Logs and crash reports follow the platform's log folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "careDesk"
APP_AUTHOR = "careDesk"
ENV_DATA_DIR = "CAREDESK_DATA_DIR"


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


def log_dir() -> Path:
    """Where logs and crash reports go (never patient data)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().resolve() / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
