"""A risk refresh reads each chunk's measurements through the patient index: the time of a
chunk stays the same however many patients the clinic has (a 50,000-patient first sync or
nightly refresh took minutes when each chunk read every patient's values of the codes)."""

from __future__ import annotations

from typing import Any

from careDesk.care.measures.gather import _codes
from careDesk.care.measures.series import observation_readings, screener_readings
from careDesk.desk import Desk
from tests.careDesk.care.query_plans import plans


def _plans(desk: Desk, read: Any) -> str:
    return " ".join(plans(desk, read))


def test_a_chunk_of_patients_reads_its_measurements_by_patient(desk: Desk) -> None:
    ids = [f"p-{n:03}" for n in range(200)]  # a chunk of a refresh
    observations = _plans(desk, lambda s: observation_readings(s, ids, _codes()))
    assert "ix_observation_patient_id" in observations, observations
    screeners = _plans(desk, lambda s: screener_readings(s, ids))
    assert "ix_screener_result_patient_id" in screeners, screeners
