"""A 5,000-patient demo clinic for tests that need a long job to run (the risk refresh of
every patient): made once per test session with the demo generator (a few seconds), then copied
for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from careDesk.care.demo import generate_demo, generator
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault, unlock
from tests.conftest import ADMIN, PASSWORD

PATIENTS = 5_000
TODAY = date(2026, 3, 10)
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}  # as the fast_kdf fixture

_MADE: dict[Path, Path] = {}  # the session's temp folder → the clinic made in it


def _source(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    if base not in _MADE:
        folder = factory.mktemp("clinic5000") / "vault"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(keyslots, "ARGON2_DEFAULTS", FAST_ARGON2)
            # Nobody saves while it is made: whole transactions, not the short chunks that
            # keep an interactive save waiting at most ~0.1 s, are several times faster.
            patch.setattr(generator, "FIRST_CHUNK", PATIENTS)
            patch.setattr(generator, "MAX_CHUNK", PATIENTS)
            desk, _recovery = create_vault(VaultPaths(folder), ADMIN, PASSWORD)
            try:
                generate_demo(
                    desk,
                    patients=PATIENTS,
                    seed=5,
                    today=TODAY,
                    coordinator_password=PASSWORD,
                    refresh_risk=False,  # the tests' own refresh scores them
                )
            finally:
                desk.close()
        _MADE[base] = folder
    return _MADE[base]


def open_big_clinic(factory: pytest.TempPathFactory, into: Path) -> Desk:
    """The admin's desk on a fresh copy of the session's 5,000-patient clinic at ``into``."""
    shutil.copytree(_source(factory), into)
    return unlock(VaultPaths(into), ADMIN, PASSWORD)


def demo_clinic(factory: pytest.TempPathFactory, patients: int, seed: int) -> Desk:
    """The admin's desk on a new demo clinic of ``patients`` drawn around TODAY (scored)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "ARGON2_DEFAULTS", FAST_ARGON2)
        desk, _recovery = create_vault(VaultPaths(factory.mktemp("demo")), ADMIN, PASSWORD)
    generate_demo(desk, patients=patients, seed=seed, today=TODAY, coordinator_password=PASSWORD)
    return desk


def demo_fixture(name: str, patients: int, seed: int) -> Any:
    """A module's fixture ``name``: the admin's desk on one demo clinic for all its tests."""

    @pytest.fixture(scope="module", name=name)
    def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
        desk = demo_clinic(tmp_path_factory, patients, seed)
        yield desk
        desk.close()

    return made
