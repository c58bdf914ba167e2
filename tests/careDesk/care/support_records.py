"""Helpers for the care-service tests: patients written straight to the vault, a read-only
user's desk, and the audit events of a verb."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.store.vault import unlock

READER_PASSWORD = "quiet meadow lantern river"


def make_patient(desk: Desk, mrn: str = "MRN-1", **fields: Any) -> Patient:
    """Insert a patient row directly (the registry service is tested on its own)."""
    values: dict[str, Any] = {
        "given_name": "Ana",
        "family_name": "Lopez",
        "birth_date": date(1950, 4, 2),
        "status": "active",
    }
    values.update(fields)
    patient = Patient(mrn=mrn, **values)
    with desk.writing() as tx:
        tx.add(patient, kind="patient", patient_id=patient.id)
    return patient


@contextmanager
def read_only_desk(desk: Desk) -> Iterator[Desk]:
    """Close the admin's desk and sign in a new read-only user on the same vault."""
    desk.users.add("reader", READER_PASSWORD, "read-only")
    paths = desk.paths
    desk.close()
    reader = unlock(paths, "reader", READER_PASSWORD)
    try:
        yield reader
    finally:
        reader.close()


def audit_details(desk: Desk, patient_id: str, action: str) -> list[dict[str, Any]]:
    """The detail of each audit event ``action`` about a patient, newest first."""
    events = desk.audit_events(patient_id=patient_id, action=action)
    return [json.loads(e.detail) for e in events]
