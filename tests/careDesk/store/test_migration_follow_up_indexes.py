"""Schema 11 (issue 21): a vault from before loses the one-column follow-up ``status`` and
``assignee_id`` indexes, keeps its follow-ups, and still finds one coordinator's due work
through the (assignee, status, due) index."""

from __future__ import annotations

from datetime import timedelta

from careDesk.desk import Desk
from careDesk.model.schedule import FollowUp
from careDesk.paths import VaultPaths
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.store.old_vault import reopened_from

GONE = {"ix_follow_up_status", "ix_follow_up_assignee_id"}
ME = "0f0f0f0f-0000-4000-8000-000000000001"


def test_a_schema_10_vault_drops_the_status_and_assignee_indexes(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    p = patient("MIG-11")
    calls = [
        FollowUp(patient_id=p.id, kind="call", title=f"call {n}", assignee_id=ME,
                 due_at=NOW - timedelta(days=n))
        for n in (3, 1, 2)
    ]  # fmt: skip
    store(desk, p, *calls)
    with reopened_from(desk, vault_paths, "0010", "follow_up") as vault:
        assert vault.indexes_before >= GONE  # what a schema-10 vault looks like
        assert not vault.indexes_after & GONE
        assert {"ix_follow_up_open_due", "ix_follow_up_assignee_due"} <= vault.indexes_after
        due = vault.desk.followups.due(ME, now=NOW)
        assert [f.title for f in due] == ["call 3", "call 2", "call 1"]  # oldest first
