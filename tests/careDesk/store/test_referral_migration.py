"""Schema 9 (issue 19): a vault from schema 7 keeps its referrals, which gain an ending, a day
to be late by and a history, and can take their next step."""

from __future__ import annotations

from datetime import timedelta

from careDesk.model.referral import Referral
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.engine import build_engine
from careDesk.store.vault import unlock
from tests.careDesk.store.old_vault import NOW, build_old_vault, insert_rows, old_data
from tests.conftest import ADMIN, PASSWORD


def test_referrals_from_schema_7_gain_endings_and_a_day_to_be_late_by(
    vault_paths: VaultPaths, fast_kdf: None
) -> None:
    data = old_data(2)
    key = build_old_vault(vault_paths, "0007", data)
    pid = data.patients[0].id
    stamps = {"created_at": NOW, "updated_at": NOW}
    waiting = Referral(
        patient_id=pid,
        to_name="Cardiology",
        reason="HF",
        urgency="soon",
        state="sent",
        sent_at=NOW,
        **stamps,
    )
    reported = Referral(
        patient_id=pid,
        to_name="Eye clinic",
        reason="Retina",
        state="closed",
        sent_at=NOW,
        report_at=NOW + timedelta(days=20),
        closed_at=NOW + timedelta(days=21),
        **stamps,
    )
    dropped = Referral(
        patient_id=pid,
        to_name="Podiatry",
        reason="Foot",
        state="closed",
        closed_at=NOW + timedelta(days=2),
        closed_reason="Patient moved away",
        **stamps,
    )
    engine = build_engine(vault_paths.database, key)
    try:
        insert_rows(engine, [waiting, reported, dropped])
    finally:
        engine.dispose()

    desk = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert migrate.schema_version(desk.engine) == migrate.SCHEMA_VERSION
        by_id = {r.id: r for r in desk.referrals.for_patient(pid)}
        assert by_id[reported.id].ending == "completed"  # the report came back
        assert by_id[dropped.id].ending is None  # its reason says why; no guess
        assert by_id[dropped.id].closed_reason == "Patient moved away"
        # Entered 2026-03-02 as "soon": expected within 14 days, so late long since.
        assert by_id[waiting.id].expected_by is None
        assert by_id[waiting.id].due_by == NOW.astimezone().date() + timedelta(days=14)
        (row,) = desk.referrals.queue(late_only=True)
        assert row.referral.id == waiting.id and row.next == "accepted"
        assert [s.step for s in desk.referrals.history(waiting.id)] == ["draft", "sent"]
        assert desk.referrals.accept(waiting.id).value.state == "accepted"
        assert [s.step for s in desk.referrals.history(dropped.id)][-1] == "closed"
    finally:
        desk.close()
