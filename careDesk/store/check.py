"""``caredesk check``: the database, the key slots and the audit chain, all verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import select

from careDesk.errors import AuditChainBroken
from careDesk.model.security import User
from careDesk.security import audit
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import KeySlotFile

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass
class CheckReport:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def check_vault(desk: Desk) -> CheckReport:
    """Run every check; problems are described in words, never with patient data."""
    report = CheckReport()
    _check_database(desk, report)
    _check_slots(desk, report)
    _check_audit(desk, report)
    return report


def _check_database(desk: Desk, report: CheckReport) -> None:
    conn = raw_connect(desk.paths.database, desk.key, readonly=False)
    try:
        cipher = [row[0] for row in conn.execute("PRAGMA cipher_integrity_check")]
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    except Exception as exc:  # sqlcipher3.DatabaseError: a page that fails to decrypt
        report.problems.append(f"database: pages cannot be read ({type(exc).__name__})")
        return
    finally:
        conn.close()
    if cipher:
        report.problems.append(f"database: {len(cipher)} page(s) fail their encryption check")
    if integrity != ["ok"]:
        report.problems.append(f"database: integrity check found {len(integrity)} problem(s)")
    if fk:
        report.problems.append(f"database: {len(fk)} broken reference(s)")
    if not cipher and integrity == ["ok"] and not fk:
        report.ok.append("database: encryption, integrity and references ok")


def _check_slots(desk: Desk, report: CheckReport) -> None:
    slots = KeySlotFile.load(desk.paths.key_slots)
    with desk.reading() as session:
        active = {u.login for u in session.exec(select(User).where(User.disabled == False))}  # noqa: E712
    missing = sorted(active - set(slots.logins()))
    if slots.find("recovery", "recovery") is None:
        report.problems.append("key slots: the recovery-key slot is missing")
    if missing:
        report.problems.append(f"key slots: no password slot for {', '.join(missing)}")
    if slots.vault_id != desk.vault_id:
        report.problems.append("key slots: the file belongs to another vault")
    if not missing and slots.find("recovery", "recovery") is not None:
        report.ok.append(f"key slots: {len(slots.slots)} slot(s) ok")


def _check_audit(desk: Desk, report: CheckReport) -> None:
    with desk.reading() as session:
        try:
            chain = audit.verify_chain(session)
        except AuditChainBroken as exc:
            report.problems.append(f"audit trail: {exc.message}")
            return
    report.ok.append(f"audit trail: {chain.events} event(s), chain intact")
