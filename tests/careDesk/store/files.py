"""Helpers for tests that look at the vault's files on disk."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from careDesk.desk import Desk
from careDesk.model.patient import Patient

REPO = Path(__file__).resolve().parents[3]


def file_hashes(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (relative path → digest)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in skip
    }


def add_patients(desk: Desk, count: int, *, prefix: str = "P", given: str = "Alex") -> list[str]:
    """Insert ``count`` patients in one transaction; returns their ids."""
    ids = []
    with desk.writing() as tx:
        for i in range(count):
            patient = Patient(
                mrn=f"{prefix}{i:05d}",
                given_name=given,
                family_name=f"Family{i}",
                birth_date=date(1950, 1, 1 + i % 28),
                phone="555-0100",
                phone_digits="5550100",
            )
            tx.add(patient, kind="patient", patient_id=patient.id)
            tx.audit("patient.add", entity="patient", entity_id=patient.id, patient_id=patient.id)
            ids.append(patient.id)
    return ids


def run_module(module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m module args`` from the repo root with text pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
