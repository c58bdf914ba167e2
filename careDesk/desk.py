"""The one entry object: a signed-in session on an unlocked vault.

The UI and the command line open a :class:`Desk` and call verbs on its services
(``desk.users.add(...)``, ``desk.patients.search(...)``). Each verb checks the user's role,
writes inside one transaction with its audit event, and reports what changed through
:meth:`Desk.on_changed` listeners; it returns plain data, never a live session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from careDesk.changes import Changes
from careDesk.errors import DatabaseBusy, PermissionDenied
from careDesk.model.base import Record, utcnow
from careDesk.model.security import AuditEvent
from careDesk.paths import VaultPaths
from careDesk.security import audit
from careDesk.security.audit_keys import KEY_ACTIONS
from careDesk.security.roles import Permission, allows
from careDesk.security.signing import Signer

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from careDesk.care.appointments import Appointments
    from careDesk.care.billing import Billing
    from careDesk.care.care_summary import Summaries
    from careDesk.care.ccm import Ccm
    from careDesk.care.clinical import Clinical
    from careDesk.care.coordination import Coordination
    from careDesk.care.due_work import DueWork
    from careDesk.care.followups import FollowUps
    from careDesk.care.measures.service import Measures
    from careDesk.care.metrics import Metrics
    from careDesk.care.plans import Plans
    from careDesk.care.referrals import Referrals
    from careDesk.care.registry import Patients
    from careDesk.care.resources import Resources
    from careDesk.care.risk import RiskEngine
    from careDesk.care.screeners import Screeners
    from careDesk.care.suggestions import Suggestions
    from careDesk.care.team import Team
    from careDesk.care.templates import Templates
    from careDesk.care.timeline import Timeline
    from careDesk.care.transitions import Transitions
    from careDesk.care.worklist import Worklist
    from careDesk.handouts.service import Handouts
    from careDesk.interop.service import Interop
    from careDesk.ops import Runner, WriteLane
    from careDesk.schedule.inbox import Inbox
    from careDesk.schedule.outbox import Outbox
    from careDesk.schedule.reminders import Reminders
    from careDesk.security.users import Users
    from careDesk.settings import Settings
    from careDesk.store.backup import Backups
    from careDesk.store.engine import KeySource
    from careDesk.store.slotcrypto import KeyPair
    from careDesk.sync.service import Sync

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class CurrentUser:
    """Who is signed in."""

    id: str
    login: str
    display_name: str
    role: str


class Tx:
    """One write transaction: the session, the audit helper and the change summary."""

    def __init__(self, desk: Desk, session: Session) -> None:
        self.desk = desk
        self.session = session
        self.changes = Changes()
        self.now = utcnow()
        self.last_event: AuditEvent | None = None  # the head the head file records
        self.keys_changed = False
        self.derived = False  # it writes derived rows only (risk scores): no record changes
        # The only tables it writes, when its writer can say (a first sync's copy, by raw SQL):
        # a refresh reading none of them need not read again (careDesk/ops/lane.py).
        self.tables: frozenset[str] | None = None

    def audit(
        self,
        action: str,
        *,
        entity: str = "",
        entity_id: str = "",
        patient_id: str | None = None,
        detail: dict[str, Any] | None = None,
        acting: tuple[str, Signer] | None = None,
    ) -> None:
        """Append an audit event in this transaction, signed by the signed-in user's key
        (``acting``: by another key holder instead, e.g. the recovery key)."""
        login, signer = acting or (self.desk.user.login, self.desk.signer)
        self.last_event = audit.append(
            self.session,
            login,
            action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            detail=detail,
            at=self.now,
            signer=signer,
        )
        self.keys_changed = self.keys_changed or action in KEY_ACTIONS

    def add(self, record: R, *, kind: str, patient_id: str | None = None) -> R:
        """Insert a new record stamped with this user and time."""
        record.created_at = record.updated_at = self.now
        record.changed_by = self.desk.user.id
        self.session.add(record)
        self.changes.add(kind, record.id, patient_id)
        return record

    def touch(self, record: R, *, kind: str, patient_id: str | None = None) -> R:
        """Mark an existing record changed: new version, time and user."""
        record.updated_at = self.now
        record.changed_by = self.desk.user.id
        record.version = (record.version or 0) + 1
        self.session.add(record)
        self.changes.add(kind, record.id, patient_id)
        return record

    def tombstone(self, record: R, *, kind: str, patient_id: str | None = None) -> R:
        """Delete by tombstone: the row stays with ``deleted_at`` set (see
        docs/architecture.md#records-built-for-sync)."""
        record.deleted_at = self.now
        return self.touch(record, kind=kind, patient_id=patient_id)


def _raise_measure_flags(tx: Tx) -> None:
    """Alerts for flags on the measurements this transaction stored (issue 17), before the risk
    refresh so an urgent one counts at once."""
    from careDesk.care.measures.flags import raise_new_flags

    raise_new_flags(tx)


@contextmanager
def _busy_is_expected(paths: VaultPaths) -> Iterator[None]:
    """SQLite's "database is locked" past the busy timeout (another program holds the vault)
    is :class:`DatabaseBusy`, an expected error with a message, not a crash."""
    from careDesk.ops.lane import is_locked_error
    from careDesk.store.engine import BUSY_TIMEOUT_MS

    try:
        yield
    except OperationalError as exc:
        if is_locked_error(exc):
            raise DatabaseBusy(str(paths.database.parent), BUSY_TIMEOUT_MS / 1000) from None
        raise


def _refresh_risk(tx: Tx) -> None:
    """Keep each changed patient's risk score current in the same transaction (issue 3)."""
    from careDesk.care.risk import refresh_changed

    refresh_changed(tx)


class Desk:
    """A signed-in user's session on an unlocked vault."""

    def __init__(
        self,
        *,
        paths: VaultPaths,
        engine: Engine,
        key: bytes,
        vault_id: str,
        user: CurrentUser,
        lock: BaseFileLock | None,
        keys: KeyPair | None = None,
        key_source: KeySource | None = None,
    ) -> None:
        self.paths = paths
        self.engine = engine
        self._key: bytes | None = key
        # The signed-in user's key pair (signs audit events; opens the sealed database key).
        # None only for a vault from before signatures opened without a password.
        self._pair = keys
        self._key_source = key_source
        self._keys_digest: str | None = None
        self.vault_id = vault_id
        self.user = user
        self._lock = lock
        self._listeners: list[Callable[[Changes], None]] = []
        # Derived data kept current inside the same transaction (e.g. risk scores): each hook
        # sees the transaction just before it commits.
        self.before_commit: list[Callable[[Tx], None]] = [_raise_measure_flags, _refresh_risk]
        self.opened_at: datetime = utcnow()
        self._read_engine = engine.execution_options(read_only=True)
        paths.tighten()  # folders 0700, files 0600, also for a vault from an older careDesk
        self._runner: Runner | None = None
        self._owns_runner = False
        self._runner_lock = threading.Lock()

    # ----- lifetime --------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> bytes:
        """The database key (kept only while the desk is open)."""
        if self._key is None:
            raise RuntimeError("the desk is closed")
        return self._key

    @property
    def readonly(self) -> bool:
        return self._lock is None

    @property
    def keys(self) -> KeyPair | None:
        """The signed-in user's key pair (kept only while the desk is open)."""
        return self._pair if self._key is not None else None

    @property
    def signer(self) -> Signer | None:
        """What signs this session's audit events."""
        pair = self.keys
        return Signer(self.vault_id, pair) if pair is not None else None

    def set_keys(self, pair: KeyPair) -> None:
        """The signed-in user's new key pair (after a new password)."""
        self._pair = pair

    def switch_key(self, key: bytes) -> None:
        """Use a new database key from now on (after ``PRAGMA rekey``)."""
        if self._key_source is None:
            raise RuntimeError("this desk cannot change its database key")
        self._key = self._key_source.key = key
        self.engine.dispose()  # pooled connections were keyed with the old key

    def keys_digest(self, *, refresh: bool = False) -> str:
        """The fingerprint of the users' public keys the signed trail introduced (anchors
        record it); recomputed from the key events when they changed."""
        if self._keys_digest is None or refresh:
            from careDesk.security.audit_keys import current

            with self.reading() as session:
                self._keys_digest = current(session, self.vault_id)[0].digest()
        return self._keys_digest

    def close(self, *, reason: str = "logout") -> None:
        """Sign out: record it, drop the key, release the vault."""
        if self._key is None:
            return
        if self._runner is not None:
            self._runner.settle()  # background jobs on this desk stop (at a chunk's end) first
        try:
            if not self.readonly:
                with self.writing(None) as tx:
                    tx.audit(reason)
                # SQLite's advice for long-lived connections: refresh the planner's statistics
                # where they went stale, so queries keep choosing their indexes.
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Close without writing anything (the vault could not be written): drop the key,
        release the vault."""
        if self._owns_runner and self._runner is not None:
            self._runner.close()
        self.engine.dispose()
        self._key = None
        self._pair = None
        if self._key_source is not None:
            self._key_source.key = b""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def hand_over_lock(self) -> BaseFileLock | None:
        """Close without writing and give the vault's lock to the caller instead of releasing
        it: restore swaps the files under it, so nothing opens the vault half-way."""
        lock, self._lock = self._lock, None
        self.abandon()
        return lock

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- permissions -----------------------------------------------------------------------
    def can(self, permission: Permission) -> bool:
        return allows(self.user.role, permission)

    def require(self, permission: Permission) -> None:
        """Raise :class:`PermissionDenied` unless the signed-in role grants ``permission``."""
        if not self.can(permission):
            raise PermissionDenied(self.user.role, permission.value)

    # ----- operations ------------------------------------------------------------------------
    @property
    def ops(self) -> Runner:
        """The operation runner this desk's work goes through: the app's (see
        :meth:`use_runner`), or one of its own started on first use."""
        with self._runner_lock:
            if self._runner is None:
                from careDesk.ops import Runner

                self._runner, self._owns_runner = Runner(), True
            return self._runner

    def use_runner(self, runner: Runner) -> None:
        """Run this desk's ops on ``runner`` (the desktop's, shared with its reminder clock;
        the command line's inline one). Set before the first op."""
        with self._runner_lock:
            if self._owns_runner and self._runner is not None and self._runner is not runner:
                self._runner.close()
            self._runner, self._owns_runner = runner, False

    @property
    def write_lane(self) -> WriteLane:
        """The one writer every write transaction on this vault passes (careDesk/ops/lane.py)."""
        from careDesk.store.engine import write_lane

        return write_lane(self.engine)

    # ----- transactions ----------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; objects stay usable after it closes."""
        with (
            _busy_is_expected(self.paths),
            Session(self._read_engine, expire_on_commit=False) as session,
        ):
            yield session

    @contextmanager
    def writing(self, permission: Permission | None = Permission.EDIT) -> Iterator[Tx]:
        """One write transaction; on success, listeners hear what changed.

        The transaction passes the vault's write lane (``careDesk/store/engine.py``) from its
        first statement to its commit, so keep it short: a long job commits in chunks.
        """
        if permission is not None:
            self.require(permission)
        if self.readonly:
            raise PermissionDenied(self.user.role, "change a vault opened read-only")
        with _busy_is_expected(self.paths), Session(self.engine, expire_on_commit=False) as session:
            # Sync (issue 10): once this vault replicates, every record change in this
            # transaction is also written to the sync outbox, in the same transaction.
            if self.sync.capturing:
                self.sync.watch(session)
            tx = Tx(self, session)
            yield tx
            if tx.changes:
                session.flush()
                for hook in self.before_commit:
                    hook(tx)
            self.write_lane.declare(
                frozenset() if tx.derived else tx.changes.patients_only(), tx.tables
            )
            session.commit()
        if tx.last_event is not None:
            from careDesk.security.anchors import after_commit

            after_commit(self, tx.last_event, tx.keys_changed)
        if tx.changes:
            self._emit(tx.changes)

    def announce(self, changes: Changes) -> None:
        """Tell listeners what a job changed over several transactions, once: a long job's
        chunks keep their own notices back so screens reload once, not after every chunk."""
        if changes:
            self._emit(changes)

    def on_changed(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        """Call ``listener`` after each committed write; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            listener(changes)

    # ----- services --------------------------------------------------------------------------
    @cached_property
    def users(self) -> Users:
        from careDesk.security.users import Users

        return Users(self)

    @cached_property
    def settings(self) -> Settings:
        from careDesk.settings import Settings

        return Settings(self)

    @cached_property
    def backups(self) -> Backups:
        from careDesk.store.backup import Backups

        return Backups(self)

    @cached_property
    def sync(self) -> Sync:
        from careDesk.sync.service import Sync

        return Sync(self)

    @cached_property
    def summaries(self) -> Summaries:
        from careDesk.care.care_summary import Summaries

        return Summaries(self)

    @cached_property
    def due_work(self) -> DueWork:
        from careDesk.care.due_work import DueWork

        return DueWork(self)

    @cached_property
    def reminders(self) -> Reminders:
        from careDesk.schedule.reminders import Reminders

        return Reminders(self)

    @cached_property
    def outbox(self) -> Outbox:
        from careDesk.schedule.outbox import Outbox

        return Outbox(self)

    @cached_property
    def inbox(self) -> Inbox:
        from careDesk.schedule.inbox import Inbox

        return Inbox(self)

    @cached_property
    def plans(self) -> Plans:
        from careDesk.care.plans import Plans

        return Plans(self)

    @cached_property
    def patients(self) -> Patients:
        from careDesk.care.registry import Patients

        return Patients(self)

    @cached_property
    def clinical(self) -> Clinical:
        from careDesk.care.clinical import Clinical

        return Clinical(self)

    @cached_property
    def screeners(self) -> Screeners:
        from careDesk.care.screeners import Screeners

        return Screeners(self)

    @cached_property
    def risk(self) -> RiskEngine:
        from careDesk.care.risk import RiskEngine

        return RiskEngine(self)

    @cached_property
    def worklist(self) -> Worklist:
        from careDesk.care.worklist import Worklist

        return Worklist(self)

    @cached_property
    def coordination(self) -> Coordination:
        from careDesk.care.coordination import Coordination

        return Coordination(self)

    @cached_property
    def measures(self) -> Measures:
        from careDesk.care.measures.service import Measures

        return Measures(self)

    @cached_property
    def metrics(self) -> Metrics:
        from careDesk.care.metrics import Metrics

        return Metrics(self)

    @cached_property
    def billing(self) -> Billing:
        from careDesk.care.billing import Billing

        return Billing(self)

    @cached_property
    def ccm(self) -> Ccm:
        from careDesk.care.ccm import Ccm

        return Ccm(self)

    @cached_property
    def team(self) -> Team:
        from careDesk.care.team import Team

        return Team(self)

    @cached_property
    def interop(self) -> Interop:
        from careDesk.interop.service import Interop

        return Interop(self)

    @cached_property
    def handouts(self) -> Handouts:
        from careDesk.handouts.service import Handouts

        return Handouts(self)

    @cached_property
    def referrals(self) -> Referrals:
        from careDesk.care.referrals import Referrals

        return Referrals(self)

    @cached_property
    def resources(self) -> Resources:
        from careDesk.care.resources import Resources

        return Resources(self)

    @cached_property
    def timeline(self) -> Timeline:
        from careDesk.care.timeline import Timeline

        return Timeline(self)

    @cached_property
    def followups(self) -> FollowUps:
        from careDesk.care.followups import FollowUps

        return FollowUps(self)

    @cached_property
    def appointments(self) -> Appointments:
        from careDesk.care.appointments import Appointments

        return Appointments(self)

    @cached_property
    def transitions(self) -> Transitions:
        from careDesk.care.transitions import Transitions

        return Transitions(self)

    @cached_property
    def templates(self) -> Templates:
        from careDesk.care.templates import Templates

        return Templates(self)

    @cached_property
    def suggestions(self) -> Suggestions:
        from careDesk.care.suggestions import Suggestions

        return Suggestions(self)

    def audit_events(
        self,
        *,
        patient_id: str | None = None,
        user_login: str | None = None,
        action: str | None = None,
        limit: int = 500,
    ) -> list[AuditEvent]:
        """The audit trail, newest first (admins see everything; others see patient events)."""
        if patient_id is None:
            self.require(Permission.ADMIN)
        else:
            self.require(Permission.READ)
        with self.reading() as session:
            return audit.events(
                session, patient_id=patient_id, user_login=user_login, action=action, limit=limit
            )
