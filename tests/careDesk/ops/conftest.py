"""Fixtures for the operation runner: a desk on a copy of the 5,000-patient demo clinic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from careDesk.desk import Desk
from tests.big_clinic import open_big_clinic


@pytest.fixture
def big_desk(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Desk]:
    """The admin's desk on a 5,000-patient clinic without risk scores yet."""
    desk = open_big_clinic(tmp_path_factory, tmp_path / "clinic")
    yield desk
    desk.close()
