"""Fixtures for interop tests: the Synthea samples and a second vault to import exports into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from tests.conftest import ADMIN, PASSWORD
from tests.fixtures import SYNTHEA, synthea_files

__all__ = ["ALEJANDRO", "SYNTHEA"]
ALEJANDRO = "Alejandro_Riojas_a9fcc685-c7a2-4474-bf25-26c8fe4b48f9.json"


@pytest.fixture
def synthea() -> list[Path]:
    """The 20 Synthea R4 bundles."""
    return synthea_files()


@pytest.fixture
def other_desk(tmp_path: Path, fast_kdf: None) -> Iterator[Desk]:
    """A second, empty encrypted vault (a partner clinic receiving an export)."""
    desk, _ = create_vault(VaultPaths(tmp_path / "partner"), ADMIN, PASSWORD)
    yield desk
    desk.close()
