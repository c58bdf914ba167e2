"""Nothing in plain text on disk: no patient data in the database, WAL, key slots, backups or
logs under the data folder (docs/security.md)."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.errors import WrongPassword
from careDesk.logs import log_unexpected
from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths, log_dir
from careDesk.store.vault import unlock
from tests.conftest import ADMIN


def _needles(marker: str) -> list[bytes]:
    forms = {marker, marker.lower(), marker.upper()}
    return [f.encode(enc) for f in forms for enc in ("utf-8", "utf-16-le", "utf-16-be")]


def _files_holding(root: Path, marker: str) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in _needles(marker)):
                found.append(str(path.relative_to(root)))
    return found


def test_patient_data_never_reaches_disk_in_plain_text(desk: Desk, vault_paths: VaultPaths) -> None:
    marker = f"Zyxmarker{secrets.token_hex(4)}"
    with desk.writing() as tx:
        patient = Patient(
            mrn=f"MRN-{marker}",
            given_name=marker,
            family_name=f"{marker}son",
            birth_date=date(1948, 5, 17),
            phone="555-0199",
            what_matters=f"Seeing {marker} at the lake",
        )
        tx.add(patient, kind="patient", patient_id=patient.id)
        tx.audit("patient.add", entity="patient", entity_id=patient.id, patient_id=patient.id)
    backup = desk.backups.make()
    with pytest.raises(WrongPassword):
        unlock(vault_paths, ADMIN, f"wrong {marker} password", readonly=True)
    try:
        raise ValueError(f"could not handle {marker}")
    except ValueError as exc:
        crash = log_unexpected(exc)

    # Everything the test made exists where a user's disk would hold it …
    names = {p.name for p in vault_paths.root.rglob("*") if p.is_file()}
    assert {"vault.db", "vault.db-wal", "vault.db-shm", "vault.keys", "vault.signins"} <= names
    assert backup.path.parent == vault_paths.backups and backup.path.exists()
    assert crash.parent == log_dir() == vault_paths.logs
    assert crash.read_text().startswith("builtins.ValueError")
    # … and none of it holds the marker, while the app is open and after it closes.
    assert _files_holding(vault_paths.root, marker) == []
    desk.close()
    assert _files_holding(vault_paths.root, marker) == []


def test_the_scan_would_find_plain_text(vault_paths: VaultPaths) -> None:
    """The scanner itself works: a plain file with the marker (in UTF-16) is found."""
    vault_paths.root.mkdir(parents=True)
    (vault_paths.root / "leak.txt").write_bytes("Zyxmarker1234".lower().encode("utf-16-le"))
    assert _files_holding(vault_paths.root, "Zyxmarker1234") == ["leak.txt"]
