"""Shared fixtures: a real encrypted vault in a temporary data folder, an in-memory keyring.

Argon2id is kept at its real parameters except where a test opts in to ``fast_kdf`` (many
vaults in one test); the encryption itself is never faked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault
from tests import steady_clock

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The real PostgreSQL server fixtures (pg, clinic, make_workstation, admin) for every test folder:
# pytest accepts pytest_plugins only in the top-level conftest, and one plugin means one cluster.
pytest_plugins = ["tests.pg_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Every test process (each xdist worker too) runs on a clock that does not cross
    midnight during the run (``tests/steady_clock.py``)."""
    steady_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    steady_clock.stop()


ADMIN = "admin"
PASSWORD = "correct horse battery staple"


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in a dict (tests only)."""

    priority = 1.0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty in-memory keyring (never the developer's real one)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CAREDESK_DATA_DIR points into the test's own temp folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CAREDESK_DATA_DIR", str(folder))
    for name in ("CAREDESK_USER", "CAREDESK_PASSWORD", "CAREDESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper Argon2id for tests that create many key slots (still real Argon2id)."""
    monkeypatch.setattr(
        keyslots, "ARGON2_DEFAULTS", {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    )


@pytest.fixture
def vault_paths(isolated_data_dir: Path) -> VaultPaths:
    return VaultPaths(isolated_data_dir)


@pytest.fixture
def created(vault_paths: VaultPaths, fast_kdf: None) -> Iterator[tuple[Desk, str]]:
    """A fresh vault: the admin's open desk and the recovery key."""
    desk, recovery = create_vault(vault_paths, ADMIN, PASSWORD, display_name="Clinic Admin")
    yield desk, recovery
    desk.close()


@pytest.fixture
def desk(created: tuple[Desk, str]) -> Desk:
    """The admin's open desk on a fresh encrypted vault."""
    return created[0]
