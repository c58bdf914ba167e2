"""Sync tests: the real PostgreSQL server and workstations come from ``tests/pg_fixtures.py``
(one cluster per session, shared with the Sync page tests); here, two synced workstations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.pg_fixtures import Network, Workstation

__all__ = ["Network", "Workstation"]  # the sync tests import them from here


@pytest.fixture
def pair(make_workstation: Callable[[str], Workstation]) -> tuple[Workstation, Workstation]:
    """Two workstations of one clinic, both synced once."""
    a, b = make_workstation("anna"), make_workstation("ben")
    a.sync()
    b.sync()
    return a, b
