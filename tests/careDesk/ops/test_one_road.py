"""One road for every write: a save made while the risk refresh of every patient runs (the
clock's nightly job, issue 18) goes in between the refresh's chunks, with no error."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.model.patient import Patient
from careDesk.model.risk import RiskScore
from careDesk.model.timeline import TimelineEntry
from careDesk.ops import Cancelled, Priority, Progress, job, write
from tests.big_clinic import PATIENTS

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def _first_patient(desk: Desk) -> str:
    with desk.reading() as session:
        return str(session.exec(select(Patient.id).order_by(col(Patient.mrn))).first())


def _scored(desk: Desk) -> int:
    with desk.reading() as session:
        return int(session.exec(select(func.count()).select_from(RiskScore)).one())


def _held_after_first_chunk(progress: Progress) -> tuple[threading.Event, threading.Event]:
    """(first chunk committed, carry on): the job waits between its first two chunks."""
    committed, carry_on = threading.Event(), threading.Event()

    def between_chunks(p: Progress) -> None:
        if p.done and not committed.is_set():
            committed.set()
            carry_on.wait(60)

    progress.listen(between_chunks)
    return committed, carry_on


def test_a_save_during_the_refresh_of_every_patient_goes_between_its_chunks(
    big_desk: Desk,
) -> None:
    desk, patient = big_desk, _first_patient(big_desk)
    progress = Progress()
    committed, carry_on = _held_after_first_chunk(progress)
    with desk.write_lane.recording() as log:
        refresh = desk.ops.submit(
            job("risk.refresh_all", lambda: desk.risk.refresh_all(NOW, progress), progress)
        )
        assert committed.wait(60)
        save = desk.ops.submit(
            write("timeline.note", lambda: desk.timeline.add_note(patient, summary="Called"))
        )
        carry_on.set()
        note = save.result(60)  # no DatabaseBusy, no OperationalError
        assert not refresh.done()  # saved while the refresh still had chunks to commit
        assert refresh.result(120).value == PATIENTS
    with desk.reading() as session:
        stored = session.get(TimelineEntry, note.value.id)
    assert stored is not None and stored.summary == "Called"
    assert _scored(desk) == PATIENTS
    names = [hold.name for hold in log.holds]
    saved_at = names.index("timeline.note")
    assert names.count("risk.refresh_all") > 1  # short chunks, not one long transaction
    assert "risk.refresh_all" in names[saved_at + 1 :]  # the refresh went on after the save
    priorities = {hold.name: hold.priority for hold in log.holds}
    assert priorities == {
        "risk.refresh_all": Priority.BACKGROUND,
        "timeline.note": Priority.INTERACTIVE,
    }


def test_a_stopped_refresh_keeps_the_chunks_it_committed(big_desk: Desk) -> None:
    desk, progress = big_desk, Progress()
    committed, carry_on = _held_after_first_chunk(progress)
    refresh = desk.ops.submit(
        job("risk.refresh_all", lambda: desk.risk.refresh_all(NOW, progress), progress)
    )
    assert committed.wait(60)
    refresh.cancel()  # as the clock does when the app locks
    carry_on.set()
    with pytest.raises(Cancelled):
        refresh.result(60)
    scored = _scored(desk)
    assert 0 < scored < PATIENTS
    # The clock's next start scores the rest (refresh_outdated takes the unscored too).
    assert desk.risk.refresh_outdated(NOW).value == PATIENTS - scored
    assert _scored(desk) == PATIENTS
