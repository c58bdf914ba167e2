"""A clinic with realistic patients on a fresh encrypted vault, for the handout tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from careDesk.desk import Desk
from tests.careDesk.handouts import patients


@dataclass
class Clinic:
    """The open desk and the patients in it."""

    desk: Desk
    now: datetime
    maria: patients.Built
    robert: patients.Built
    linh: patients.Built
    sam: patients.Built


@pytest.fixture
def clinic(desk: Desk) -> Clinic:
    """Clinic settings plus four patients: two with full plans, one discharged, one minimal."""
    patients.set_up_clinic(desk)
    now = patients.fixed_now()
    return Clinic(
        desk=desk,
        now=now,
        maria=patients.add_maria(desk, now=now),
        robert=patients.add_robert(desk, now=now),
        linh=patients.add_linh(desk, now=now),
        sam=patients.add_minimal(desk),
    )
