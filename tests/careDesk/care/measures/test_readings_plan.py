"""A risk refresh reads each chunk's measurements through the patient index: the time of a
chunk stays the same however many patients the clinic has (a 50,000-patient first sync or
nightly refresh took minutes when each chunk read every patient's values of the codes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from careDesk.care.measures.gather import _codes
from careDesk.care.measures.series import observation_readings, screener_readings
from careDesk.desk import Desk


def _plans(desk: Desk, read: Any) -> str:
    """The query plan of every statement ``read(session)`` runs."""
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    event.listen(desk.engine, "before_cursor_execute", grab)
    try:
        with desk.reading() as session:
            read(session)
    finally:
        event.remove(desk.engine, "before_cursor_execute", grab)
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        return " ".join(
            str(row[-1]) for st, p in seen for row in raw.execute(f"EXPLAIN QUERY PLAN {st}", p)
        )


def test_a_chunk_of_patients_reads_its_measurements_by_patient(desk: Desk) -> None:
    ids = [f"p-{n:03}" for n in range(200)]  # a chunk of a refresh
    observations = _plans(desk, lambda s: observation_readings(s, ids, _codes()))
    assert "ix_observation_patient_id" in observations, observations
    screeners = _plans(desk, lambda s: screener_readings(s, ids))
    assert "ix_screener_result_patient_id" in screeners, screeners
