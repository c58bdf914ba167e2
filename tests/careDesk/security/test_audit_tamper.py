"""A coordinator with file access rewrites the audit trail; ``caredesk check`` finds it.

Each test plays the insider of ``tamper.py`` against a real vault, a real backup and the head
file, then runs the check an admin would run (``caredesk check``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.security import AuditEvent
from careDesk.paths import VaultPaths
from careDesk.security.signing import Signer
from careDesk.store.check import CheckReport, check_vault
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import unlock
from tests.careDesk.security import tamper
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD

KIM, KIM_PW = "kim", "violet kettle morning 7"


@pytest.fixture
def paths(desk: Desk, vault_paths: VaultPaths) -> VaultPaths:
    """A vault whose trail has the admin's events and then the coordinator's own."""
    desk.users.add(KIM, KIM_PW, "coordinator")
    add_patients(desk, 3, prefix="A")
    desk.close()
    kim = unlock(vault_paths, KIM, KIM_PW)
    add_patients(kim, 2, prefix="K")
    kim.close()
    return vault_paths


def _check(paths: VaultPaths) -> CheckReport:
    reader = unlock(paths, ADMIN, PASSWORD, readonly=True)
    try:
        return check_vault(reader)
    finally:
        reader.close()


def _seq_of(paths: VaultPaths, who: tamper.Insider, action: str, login: str) -> int:
    from careDesk.store.engine import build_engine

    engine = build_engine(paths.database, who.key, readonly=True)
    with Session(engine) as session:
        seq = session.exec(
            select(AuditEvent.seq)
            .where(AuditEvent.action == action, AuditEvent.user_login == login)
            .order_by(col(AuditEvent.seq))
        ).first()
    engine.dispose()
    assert seq is not None
    return seq


def test_an_edited_event_with_every_hash_recomputed_is_found_by_its_signature(
    paths: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    kim = tamper.insider(paths, KIM, KIM_PW)
    target = _seq_of(paths, kim, "patient.add", ADMIN)

    def edit(session: Session) -> None:
        tamper.edit_detail(session, target, {"note": "never happened"})
        tamper.rechain(session, target)  # the hash chain is whole again

    tamper.rewrite(paths, kim, edit)
    assert _check(paths).problems == [
        f"audit trail: The audit trail was altered at event {target}: its signature does not "
        "match its contents."
    ]
    (paths.root.parent / "pw").write_text(PASSWORD)
    code = main(["--user", ADMIN, "--password-file", str(paths.root.parent / "pw"), "check"])
    out, err = capsys.readouterr()
    assert code == 1 and f"altered at event {target}" in err and "PROBLEM" in out


def test_an_event_re_signed_with_another_users_key_is_found(paths: VaultPaths) -> None:
    kim = tamper.insider(paths, KIM, KIM_PW)
    target = _seq_of(paths, kim, "patient.add", ADMIN)
    signer = Signer(kim.vault_id, kim.pair)

    def edit(session: Session) -> None:
        tamper.edit_detail(session, target, {"note": "never happened"})
        tamper.rechain(session, target, signer)  # every event after it re-signed by kim

    tamper.rewrite(paths, kim, edit)
    assert _check(paths).problems == [
        f"audit trail: The audit trail was altered at event {target}: it names admin but is "
        "signed with kim's key."
    ]


def test_taking_over_an_event_and_re_signing_the_rest_is_found_at_the_next_users_event(
    paths: VaultPaths,
) -> None:
    """Claiming the admin's event as one's own (user and signature both kim's) leaves the
    events after it: the first one not kim's gives it away."""
    kim = tamper.insider(paths, KIM, KIM_PW)
    target = _seq_of(paths, kim, "patient.add", ADMIN)
    signer = Signer(kim.vault_id, kim.pair)

    def edit(session: Session) -> None:
        event = tamper.events_from(session, target)[0]
        event.user_login = KIM
        session.add(event)
        session.flush()
        tamper.rechain(session, target, signer)

    tamper.rewrite(paths, kim, edit)
    [problem] = _check(paths).problems
    assert "it names admin but is signed with kim's key" in problem


def test_the_last_events_deleted_are_found_by_the_head_file(paths: VaultPaths) -> None:
    kim = tamper.insider(paths, KIM, KIM_PW)
    cut_to = _seq_of(paths, kim, "login", KIM) - 1  # everything kim did, gone
    last: list[int] = []

    def cut(session: Session) -> None:
        last.append(tamper.last_seq(session))
        tamper.cut_after(session, cut_to)

    tamper.rewrite(paths, kim, cut)
    assert _check(paths).problems == [
        f"audit trail: the head file shows event {last[0]}, but the trail ends at event "
        f"{cut_to}: its last events were removed"
    ]


def test_a_cut_found_at_sign_in_stays_in_the_trail(paths: VaultPaths) -> None:
    """The next sign-in rewrites the head file, but records first what it showed."""
    kim = tamper.insider(paths, KIM, KIM_PW)
    cut_to = _seq_of(paths, kim, "login", KIM) - 1
    tamper.rewrite(paths, kim, lambda s: tamper.cut_after(s, cut_to))
    unlock(paths, ADMIN, PASSWORD).close()
    problems = _check(paths).problems
    assert problems == [
        f"audit trail: at a sign-in by admin (event {cut_to + 1}) the head file showed events "
        "the trail no longer had: its last events had been removed or rewritten"
    ]


def test_the_last_events_and_the_head_file_deleted_are_found_by_a_backup(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    desk.users.add(KIM, KIM_PW, "coordinator")
    add_patients(desk, 3, prefix="A")
    info = desk.backups.make()  # the nightly backup, in the vault's backup folder
    add_patients(desk, 2, prefix="B")
    desk.close()
    kim = tamper.insider(vault_paths, KIM, KIM_PW)
    tamper.rewrite(vault_paths, kim, lambda s: tamper.cut_after(s, 4))
    vault_paths.head.unlink()
    report = _check(vault_paths)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"audit trail: the backup {info.path.name} shows event ")
    assert report.problems[0].endswith(
        "but the trail ends at event 4: its last events were removed"
    )
    assert any("the head file vault.head is missing" in line for line in report.unverified)


def test_a_rewritten_run_of_ones_own_last_events_is_found_by_the_anchors(
    paths: VaultPaths,
) -> None:
    """Rewriting only one's own events keeps every signature valid; the head file (and any
    backup or server anchor taken since) still records the original."""
    kim = tamper.insider(paths, KIM, KIM_PW)
    target = _seq_of(paths, kim, "patient.add", KIM)
    signer = Signer(kim.vault_id, kim.pair)

    def edit(session: Session) -> None:
        tamper.edit_detail(session, target, {"note": "something else"})
        tamper.rechain(session, target, signer)

    tamper.rewrite(paths, kim, edit)
    [problem] = _check(paths).problems
    assert problem.startswith("audit trail: the head file records another event ")
    assert problem.endswith(": the trail was rewritten")


def test_a_restore_explains_the_newer_backups_it_rolled_back(
    desk: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    add_patients(desk, 2, prefix="A")
    older = desk.backups.make(tmp_path / "older.cdbak")
    add_patients(desk, 2, prefix="B")
    newer = desk.backups.make()  # in the backup folder check reads
    desk.close()
    restore_vault(older.path, vault_paths, Credentials(ADMIN, PASSWORD))  # audits the restore
    report = _check(vault_paths)
    assert report.passed, report.problems
    assert any(
        line.startswith(f"audit trail: the backup {newer.path.name} ")
        and line.endswith("written before a restore the trail records")
        for line in report.ok
    )


def test_a_role_raised_in_the_user_table_alone_is_found(paths: VaultPaths) -> None:
    kim = tamper.insider(paths, KIM, KIM_PW)
    from careDesk.store.engine import raw_connect

    conn = raw_connect(paths.database, kim.key)
    conn.execute("UPDATE user_account SET role = 'admin' WHERE login = 'kim'")
    conn.close()
    assert _check(paths).problems == [
        "users: kim is admin in the user table but coordinator in the signed audit trail"
    ]
