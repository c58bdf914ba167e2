"""Test patients for the risk, worklist, coordination and metrics tests: model rows inserted
directly through one normal write (so the risk hook runs as it would in the app)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from careDesk.desk import Desk
from careDesk.model.base import Record
from careDesk.model.patient import Patient

NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)


def patient(mrn: str, **fields: Any) -> Patient:
    """A patient row (not yet stored)."""
    values: dict[str, Any] = {
        "given_name": "Test",
        "family_name": mrn,
        "birth_date": date(1970, 1, 1),
        "status": "active",
    }
    values.update(fields)
    return Patient(mrn=mrn, **values)


def store(desk: Desk, *records: Record) -> None:
    """Write ``records`` in one transaction, each marked as changed for its patient."""
    with desk.writing() as tx:
        for record in (r for r in records if isinstance(r, Patient)):
            tx.add(record, kind="patient", patient_id=record.id)
        tx.session.flush()  # parents first: the tables have foreign keys but no relationships
        for record in (r for r in records if not isinstance(r, Patient)):
            pid = getattr(record, "patient_id", None)
            tx.add(record, kind=record.__tablename__, patient_id=pid)
