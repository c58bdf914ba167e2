"""Schema 10 (issue 21): a vault from before loses the observation ``loinc`` and ``effective``
indexes, keeps its observations, and reads one patient's readings of a code through the
patient index (with the loinc index, SQLite read every patient's rows of that code)."""

from __future__ import annotations

from datetime import timedelta

from careDesk.desk import Desk
from careDesk.model.clinical import Observation
from careDesk.paths import VaultPaths
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.store.old_vault import reopened_from

GONE = {"ix_observation_loinc", "ix_observation_effective"}


def test_a_schema_9_vault_drops_the_code_and_time_indexes(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    p = patient("MIG-10")
    readings = [
        Observation(patient_id=p.id, loinc="4548-4", display="Hemoglobin A1c", value=v,
                    unit="%", effective=NOW - timedelta(days=90 * n))
        for n, v in enumerate((7.2, 8.1, 9.4))
    ]  # fmt: skip
    store(desk, p, *readings)
    with reopened_from(desk, vault_paths, "0009", "observation") as vault:
        assert vault.indexes_before >= GONE  # what a schema-9 vault looks like
        assert not vault.indexes_after & GONE
        assert "ix_observation_patient_id" in vault.indexes_after
        values = [o.value for o in vault.desk.clinical.observations(p.id, loinc="4548-4")]
        assert values == [7.2, 8.1, 9.4]  # newest first
