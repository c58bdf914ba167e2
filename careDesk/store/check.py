"""``caredesk check``: the database, the key slots and the audit trail, all verified.

The audit trail is checked event by event (chain, hash, the signature of the user each event
names) and against every anchor it can read: the head file beside the vault, the manifest of
each backup in the backup folders, the clinic server. What could not be checked is said, line
by line (``unverified``), never silently passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlcipher3
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import col, select

from careDesk.errors import AuditChainBroken, VaultError
from careDesk.model.security import AuditEvent, User
from careDesk.security import audit, audit_keys
from careDesk.security.anchors import CUT_ACTION, Anchor
from careDesk.store import keyslots
from careDesk.store.check_anchors import gather
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import RECOVERY, KeySlotFile

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass
class CheckReport:
    """What passed, what did not, and what could not be checked, in words (no patient data)."""

    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check found a problem."""
        return not self.problems


def check_vault(desk: Desk) -> CheckReport:
    """Run every check; problems are described in words, never with patient data.

    A check that cannot even read what it checks (pages that do not decrypt) is reported as a
    problem too, so the other checks still run. Anchors are read before the trail: whatever
    they record was committed before the trail is read, so a busy vault gives no false alarm.
    """
    report = CheckReport()
    anchors = gather(desk, report)
    for name, check in (
        ("database", _check_database),
        ("key slots", _check_slots),
        ("audit trail", lambda d, r: _check_audit(d, r, anchors)),
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


# ----- key slots --------------------------------------------------------------------------------
def _check_slots(desk: Desk, report: CheckReport) -> None:
    slots = KeySlotFile.load(desk.paths.key_slots)
    if slots.vault_id != desk.vault_id:
        report.problems.append("key slots: the file belongs to another vault")
        return
    if slots.format == 1:
        report.unverified.append(
            "key slots: the old format, without key pairs: upgraded at the next password sign-in"
        )
        return
    with desk.reading() as session:
        registry, _problems = audit_keys.current(session, desk.vault_id)
        people = list(session.exec(select(User)))
    before = len(report.problems)
    _check_users(desk, slots, registry, people, report)
    _check_sealed(desk, slots, registry, report)
    if len(report.problems) == before and slots.sealed is not None:
        report.ok.append(
            f"key slots: {len(slots.users)} user(s) and the recovery key; the database key "
            f"(generation {slots.sealed.epoch}) is sealed to each, and yours opens it"
        )


def _check_users(
    desk: Desk,
    slots: KeySlotFile,
    registry: audit_keys.Registry,
    people: list[User],
    report: CheckReport,
) -> None:
    problems = report.problems
    for person in people:
        entry, member = slots.users.get(person.login), registry.members.get(person.login)
        if not person.disabled and entry is None:
            problems.append(
                f"key slots: {person.login} has no key slot and cannot sign in (an admin sets "
                "them a new password, or disables the account)"
            )
        if person.disabled and entry is not None:
            problems.append(f"key slots: {person.login} is disabled but still has a key slot")
        if not registry.started:
            continue
        if member is None:
            problems.append(f"users: the signed audit trail never added {person.login}")
        elif member.role != person.role or member.disabled != person.disabled:
            problems.append(
                f"users: {person.login} is {_state(person.role, person.disabled)} in the user "
                f"table but {_state(member.role, member.disabled)} in the signed audit trail"
            )
    for login, entry in sorted(slots.users.items()):
        member = registry.members.get(login)
        if entry.legacy is not None:
            report.unverified.append(
                f"key slots: {login} has not signed in since key pairs came; the next key "
                "rotation drops them (an admin then sets them a new password)"
            )
        elif registry.started and (
            member is None or (member.box, member.sign) != (entry.box, entry.sign)
        ):
            problems.append(
                f"key slots: the public keys of {login} are not the ones the audit trail introduced"
            )


def _state(role: str, disabled: bool) -> str:
    return f"{role} (disabled)" if disabled else role


def _check_sealed(
    desk: Desk, slots: KeySlotFile, registry: audit_keys.Registry, report: CheckReport
) -> None:
    problems, sealed = report.problems, slots.sealed
    if slots.next is not None:
        problems.append(
            "key slots: a key rotation did not finish (it finishes at the next sign-in)"
        )
    if sealed is None:
        problems.append("key slots: the database key is not sealed to anyone")
        return
    labels = {e.label for e in slots.users.values() if e.legacy is None}
    for login, entry in sorted(slots.users.items()):
        if entry.legacy is None and entry.label not in sealed.boxes:
            problems.append(f"key slots: the database key is not sealed to {login}")
    recovery = slots.recovery
    if recovery is None:
        problems.append("key slots: there is no recovery key; an admin must make a new one")
    elif recovery.legacy is not None:
        report.unverified.append(
            "key slots: the recovery key is in the old format; the next key rotation replaces "
            "it (print the new one)"
        )
    else:
        labels.add(RECOVERY)
        if RECOVERY not in sealed.boxes:
            problems.append("key slots: the database key is not sealed to the recovery key")
        if registry.started and recovery.public() != registry.recovery:
            problems.append("key slots: the recovery key is not the one the audit trail introduced")
    strangers = sorted(set(sealed.boxes) - labels)
    if strangers:
        problems.append(
            f"key slots: the database key is also sealed to {len(strangers)} unknown key(s)"
        )
    own = slots.users.get(desk.user.login)
    opens = (
        own is None
        or own.legacy is not None
        or desk.keys is None
        or keyslots.open_key(desk.vault_id, sealed, own.label, desk.keys) == desk.key
    )
    if not opens:
        problems.append("key slots: your sealed database key does not open this database")


# ----- audit trail ------------------------------------------------------------------------------
def _check_audit(desk: Desk, report: CheckReport, anchors: list[Anchor]) -> None:
    with desk.reading() as session:
        try:
            chain = audit.verify_chain(session, desk.vault_id, anchors)
        except AuditChainBroken as exc:
            report.problems.append(f"audit trail: {exc.message}")
            return
        cuts = list(session.exec(select(AuditEvent).where(col(AuditEvent.action) == CUT_ACTION)))
    registry = chain.registry
    assert registry is not None
    report.ok.append(f"audit trail: {chain.events} event(s), {_signed(chain)}; chain intact")
    if not registry.started:
        report.unverified.append(
            "audit trail: no event is signed yet (a vault from before signatures): signatures "
            "not checked until the next password sign-in"
        )
    for anchor in anchors:
        _anchor_signature(anchor, registry, report)
    for extended in chain.checked:
        report.ok.append(
            f"audit trail: extends {extended.source} (event {extended.seq}, {_when(extended)})"
        )
    for finding in chain.findings:
        if finding.explained:
            report.ok.append(
                f"audit trail: {finding.problem} — written before a restore the trail records"
            )
        else:
            report.problems.append(f"audit trail: {finding.problem}")
    for event in cuts:
        report.problems.append(
            f"audit trail: at a sign-in by {event.user_login} (event {event.seq}) the head file "
            "showed events the trail no longer had: its last events had been removed or rewritten"
        )


def _signed(chain: audit.ChainReport) -> str:
    signed = chain.events - chain.unsigned
    if not chain.unsigned:
        return "each signed by its user's key"
    if not signed:
        return "none signed"
    return (
        f"the first {chain.unsigned} from before signatures (hash chain only), the other "
        f"{signed} each signed by its user's key"
    )


def _anchor_signature(anchor: Anchor, registry: audit_keys.Registry, report: CheckReport) -> None:
    if not anchor.signature:
        if anchor.source == "the head file" or anchor.source == "the clinic server":
            report.problems.append(f"audit trail: {anchor.source} is not signed")
        else:
            report.unverified.append(
                f"audit trail: {anchor.source} is not signed (the automatic backup taken before "
                "an upgrade): its head is checked, not who recorded it"
            )
        return
    problem = anchor.signature_problem(registry)
    if problem:
        report.problems.append(f"audit trail: {problem}")


def _when(anchor: audit.AnchorLike) -> str:
    return f"written {anchor.at.astimezone():%Y-%m-%d %H:%M}"
