"""The printable transition summary: read back from the PDF, it names every active medicine and
allergy (an omission on a hand-over is a hazard), why and to whom care passes, and the rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.careDesk.care.full_chart import ALLERGIES, MEDICINES, full_chart
from tests.careDesk.handouts.pdfcheck import all_text


def _text(path: Path) -> str:
    return " ".join(all_text(path.read_bytes()).split())  # table cells may wrap


def test_the_summary_names_every_medicine_and_allergy(desk: Desk, tmp_path: Path) -> None:
    pid = full_chart(desk)
    desk.transitions.transition(
        pid,
        reason="moved",
        summary="Moved to live with her daughter.",
        to_provider="Eastside Clinic",
    )
    folder = tmp_path / "chosen"
    folder.mkdir()
    out = desk.summaries.save_transition_summary(pid, folder / "handover.pdf")
    text = _text(out)
    assert text.startswith("Transition of care summary")
    for name in MEDICINES:
        assert name in text
    assert "Glipizide" not in text  # stopped: not a current medicine
    for substance in ALLERGIES:
        assert substance in text
    assert "hives" in text and "severe" in text
    for part in (
        "Rosa Muñoz",
        "1948-05-02",
        "12 Elm St",
        "moved away",
        "Eastside Clinic",
        "Moved to live with her daughter.",
        "Type 2 diabetes mellitus",
        "Hemoglobin A1c",
        "A1c below 8%",  # the goal of the plan the hand-over completed
        "Dr. Okafor",  # the open referral
        "Check sugar log",  # a follow-up the hand-over closed: the next provider may pick it up
        "closed at hand-over",
        "Dr. Lee",
        "+1 555 010 3030",
    ):
        assert part in text, part
    events = desk.audit_events(patient_id=pid, action="export.transition_summary")
    assert len(events) == 1
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["handover.pdf"]  # no temp file left


def test_no_allergies_is_not_printed_as_none(desk: Desk, tmp_path: Path) -> None:
    pid = desk.patients.create(
        given_name="Ana", family_name="Peña", mrn="TS-2", birth_date="1950-01-01"
    ).value.id
    text = _text(desk.summaries.save_transition_summary(pid, tmp_path / "a.pdf"))
    assert "No allergies recorded in careDesk: confirm with the patient" in text
    assert "No active medicines recorded in careDesk: confirm with the patient" in text
    assert "not yet recorded" in text  # printed before the transition: the reason is pending


def test_a_reader_may_not_export_it(desk: Desk, vault_paths: VaultPaths, tmp_path: Path) -> None:
    pid = desk.patients.create(
        given_name="Ana", family_name="Peña", mrn="TS-3", birth_date="1950-01-01"
    ).value.id
    desk.users.add("reader", "quiet meadow lantern 4", "read-only")
    desk.close()
    reader = unlock(vault_paths, "reader", "quiet meadow lantern 4")
    try:
        with pytest.raises(PermissionDenied):
            reader.summaries.save_transition_summary(pid, tmp_path / "x.pdf")
        assert not (tmp_path / "x.pdf").exists()
    finally:
        reader.close()


def test_an_unwritable_folder_is_a_clear_error(desk: Desk, tmp_path: Path) -> None:
    from careDesk.errors import CareDeskError

    pid = desk.patients.create(
        given_name="Ana", family_name="Peña", mrn="TS-4", birth_date="1950-01-01"
    ).value.id
    missing = tmp_path / "no such folder" / "a.pdf"
    with pytest.raises(CareDeskError, match="cannot write"):
        desk.summaries.save_transition_summary(pid, missing)
    assert not missing.parent.exists()
