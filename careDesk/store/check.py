"""``caredesk check``: the database, the key slots and the audit chain, all verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlcipher3
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import select

from careDesk.errors import AuditChainBroken, VaultError
from careDesk.model.security import User
from careDesk.security import audit
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import KeySlotFile

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass
class CheckReport:
    """What passed and what did not, in words (never patient data)."""

    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check found a problem."""
        return not self.problems


def check_vault(desk: Desk) -> CheckReport:
    """Run every check; problems are described in words, never with patient data.

    A check that cannot even read what it checks (pages that do not decrypt) is reported as a
    problem too, so the other checks still run.
    """
    report = CheckReport()
    for name, check in (
        ("database", _check_database),
        ("key slots", _check_slots),
        ("audit trail", _check_audit),
    ):
        try:
            check(desk, report)
        except (sqlcipher3.DatabaseError, SADatabaseError):
            report.problems.append(f"{name}: cannot be read, the file is damaged")
        except VaultError as exc:
            report.problems.append(f"{name}: {exc.message}")
    return report


def _pragma(conn: Any, pragma: str) -> list[str] | None:
    """The rows of a checking pragma, or None when it cannot read the pages at all."""
    try:
        return [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}")]
    except sqlcipher3.DatabaseError:
        return None


def _check_database(desk: Desk, report: CheckReport) -> None:
    conn = raw_connect(desk.paths.database, desk.key, readonly=desk.readonly)
    try:
        # SQLCipher's own check: every page's HMAC (finds flipped bytes anywhere in the file).
        cipher = _pragma(conn, "cipher_integrity_check")
        integrity = _pragma(conn, "integrity_check")
        fk = _pragma(conn, "foreign_key_check")
    finally:
        conn.close()
    if cipher is None or cipher:
        pages = "some" if cipher is None else str(len(cipher))
        report.problems.append(f"database: {pages} page(s) fail their encryption check")
    if integrity != ["ok"]:
        found = "pages cannot be read" if integrity is None else f"{len(integrity)} problem(s)"
        report.problems.append(f"database: integrity check found {found}")
    if fk is None:
        report.problems.append("database: references cannot be checked")
    elif fk:
        report.problems.append(f"database: {len(fk)} broken reference(s)")
    if not report.problems:
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
