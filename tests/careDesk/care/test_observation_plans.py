"""Every read of observations names a patient and goes through the patient index (schema 10
dropped the ``loinc`` and ``effective`` indexes: ``migrations/versions/0010``).

A read that scanned the table, or walked another index filtering by patient, would take
seconds on a 50,000-patient clinic's 941,000 observations for one chart: these tests pin the
plan SQLite takes for each place careDesk reads observations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from careDesk.care.care_summary import care_summary
from careDesk.care.chart import load_chart
from careDesk.care.coordination.service import check
from careDesk.care.measures.gather import _codes
from careDesk.care.measures.series import observation_readings
from careDesk.desk import Desk
from careDesk.interop.packet_content import gather
from careDesk.model.clinical import Observation
from careDesk.model.patient import Patient
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.care.query_plans import plans

A1C = "4548-4"  # LOINC hemoglobin A1c


@pytest.fixture
def charted(desk: Desk) -> Patient:
    """Two patients with a year of readings each: the plans must pick one patient's rows."""
    first, other = patient("OBS-1"), patient("OBS-2")
    rows = [
        Observation(
            patient_id=p.id,
            loinc=code,
            display=code,
            value=7.0 + n / 10,
            unit="%",
            effective=NOW - timedelta(days=30 * n),
        )
        for p in (first, other)
        for n in range(12)
        for code in (A1C, "8480-6")
    ]
    store(desk, first, other, *rows)
    return first


READS: dict[str, Callable[[Session, Patient], Any]] = {
    "chart": load_chart,
    "summary tab": care_summary,
    "referral packet": gather,
    "coordination warnings": lambda s, p: check(s, p.id, datetime(2026, 6, 15, tzinfo=UTC)),
    "measures": lambda s, p: observation_readings(s, [p.id], _codes()),
}


@pytest.mark.parametrize("where", sorted(READS))
def test_each_observation_read_goes_through_the_patient_index(
    desk: Desk, charted: Patient, where: str
) -> None:
    found = plans(desk, lambda s: READS[where](s, charted), touching="observation")
    assert found, f"{where} read no observations"
    for plan in found:
        assert "ix_observation_patient_id" in plan, plan
        assert "SCAN observation" not in plan, plan


def test_one_codes_readings_go_through_the_patient_index(desk: Desk, charted: Patient) -> None:
    found = plans(
        desk, lambda _s: desk.clinical.observations(charted.id, loinc=A1C), touching="observation"
    )
    assert found and all("ix_observation_patient_id" in p for p in found), found
    assert [o.value for o in desk.clinical.observations(charted.id, loinc=A1C)][:2] == [7.0, 7.1]


def test_the_vault_has_no_index_on_observation_code_or_time(desk: Desk) -> None:
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        names = {r[1] for r in raw.execute("PRAGMA index_list('observation')")}
    assert "ix_observation_patient_id" in names
    assert not names & {"ix_observation_loinc", "ix_observation_effective"}, names
