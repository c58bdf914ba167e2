"""The audit trail is append-only and hash-chained; tampering is found by ``caredesk check``."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store.check import check_vault
from careDesk.store.engine import raw_connect
from careDesk.store.vault import unlock
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD


def test_every_change_and_sign_in_is_an_event(desk: Desk, vault_paths: VaultPaths) -> None:
    [patient_id] = add_patients(desk, 1)
    desk.close()
    again = unlock(vault_paths, ADMIN, PASSWORD)
    actions = [e.action for e in reversed(again.audit_events())]
    assert actions == ["vault.create", "user.add", "patient.add", "logout", "login"]
    assert [e.action for e in again.audit_events(patient_id=patient_id)] == ["patient.add"]
    again.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'nothing' WHERE seq = 1", "DELETE FROM audit_event"],
)
def test_database_refuses_update_and_delete(desk: Desk, statement: str) -> None:
    with pytest.raises(DatabaseError, match="the audit trail is append-only"), desk.writing() as tx:
        tx.session.execute(text(statement))
    assert check_vault(desk).passed
    assert len(desk.audit_events()) == 2


def _tamper(paths: VaultPaths, key: bytes, seq: int) -> None:
    """What someone holding the key could do: drop the trigger, edit a row, put it back."""
    conn = raw_connect(paths.database, key)
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("UPDATE audit_event SET user_login = 'someone.else' WHERE seq = ?", (seq,))
    conn.execute(
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
           BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"""
    )
    conn.close()


def test_edited_event_is_found_by_check(
    desk: Desk, vault_paths: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    add_patients(desk, 3)
    key = desk.key
    desk.close()
    _tamper(vault_paths, key, 4)

    reader = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    report = check_vault(reader)
    reader.close()
    assert report.problems == [
        "audit trail: The audit trail was altered at event 4: its contents were changed."
    ]

    (vault_paths.root.parent / "pw").write_text(PASSWORD)
    code = main(["--user", ADMIN, "--password-file", str(vault_paths.root.parent / "pw"), "check"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "PROBLEM  audit trail: The audit trail was altered at event 4" in out
    assert err.count("\n") == 1 and "check failed: audit trail" in err and "event 4" in err


def test_removed_trigger_is_found_by_check(desk: Desk, vault_paths: VaultPaths) -> None:
    key = desk.key
    desk.close()
    conn = raw_connect(vault_paths.database, key)
    conn.execute("DROP TRIGGER audit_event_no_delete")
    conn.close()
    reader = unlock(vault_paths, ADMIN, PASSWORD, readonly=True)
    problems = check_vault(reader).problems
    reader.close()
    assert problems == [
        "audit trail: The audit trail is no longer protected: its protection triggers were removed."
    ]
