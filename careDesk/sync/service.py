"""``desk.sync``: push the outbox, pull the clinic's changes, report status and conflicts.

One sync is: (first time) upload this vault's rows (``upload``); then push the outbox in order,
in batches, each acknowledged locally only after the server committed it (a lost
acknowledgement is harmless: the server skips mutation ids it has applied); (first time) take a
snapshot of the clinic and compute risk scores, unless the server holds only what this sync
just sent (the clinic's first workstation); then pull pages after the cursor. Nothing is
decided by this workstation's clock.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from careDesk.care.risk.alongside import ScoresAlongside
from careDesk.care.urgent import raise_all_missing
from careDesk.changes import Kind
from careDesk.errors import CareDeskError
from careDesk.model.patient import DEMO_SOURCE
from careDesk.model.sync import SyncConflict, SyncOutbox, SyncState
from careDesk.ops import Progress
from careDesk.security.roles import Permission
from careDesk.settings_secrets import service_secret
from careDesk.store.engine import replayable
from careDesk.store.migrate import SCHEMA_VERSION
from careDesk.sync import anchor, apply, capture, own_clinic, ready, setup, snapshot, upload
from careDesk.sync.conflicts import record as record_conflict
from careDesk.sync.conflicts import views as conflict_views
from careDesk.sync.connection import (
    Connect,
    SyncNotConfigured,
    SyncRefused,
    SyncUpgradeRequired,
    connect_error,
    conninfo,
    default_connect,
    refused_error,
)
from careDesk.sync.reports import (
    RECEIVING,
    SENDING,
    ConflictView,
    ServerSettings,
    SyncReport,
    SyncStatus,
)
from careDesk.sync.tables import synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk

PUSH_BATCH = 2000
PULL_PAGE = 2000


class Sync:
    """The workstation side of clinic sync."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.connect: Connect = default_connect  # tests swap in a switchable factory
        self._capturing: bool | None = None
        self._joined = False  # True once read so: a first sync, once finished, stays finished
        # A first sync that could not start (no server, a refused login) leaves the vault as it
        # was, not syncing: its outcome is kept here, for this session's screens, instead.
        self._not_started: tuple[str | None, datetime | None] = (None, None)
        self.schema_version = SCHEMA_VERSION
        self._progress = Progress()
        self._running = threading.Lock()  # the Sync button and the clock's background sync
        self._unchecked = True  # no sync has finished the item 9 check since the app opened

    # ----- capture ----------------------------------------------------------------------------
    @property
    def capturing(self) -> bool:
        """Whether edits go to the outbox (from this vault's first sync on)."""
        if self._capturing is None:
            with self.desk.reading() as session:
                self._capturing = session.get(SyncState, 1) is not None
        return self._capturing

    @property
    def joined(self) -> bool:
        """Whether this vault's first sync has finished: it holds the whole clinic (it has
        copied it, or the clinic was what it sent). Until then only a person starts a sync,
        with its progress in sight: never the clock in the background."""
        if not self._joined:
            with self.desk.reading() as session:
                state = session.get(SyncState, 1)
            self._joined = state is not None and state.bootstrapped
        return self._joined

    def watch(self, session: OrmSession) -> None:
        """Capture this write session's record changes into the outbox."""
        capture.watch(session)

    # ----- status -----------------------------------------------------------------------------
    def status(self) -> SyncStatus:
        """Last sync, pending changes, offline, open conflicts."""
        with self.desk.reading() as session:
            state = session.get(SyncState, 1)
            pending = apply.outbox_count(session)
            q = select(col(SyncConflict.id)).where(col(SyncConflict.resolved_at).is_(None))
            open_conflicts = len(session.execute(q).all())
        error, attempt = (state.last_error, state.last_attempt_at) if state else self._not_started
        return SyncStatus(
            enabled=state is not None,
            last_sync_at=state.last_sync_at if state else None,
            pending=pending,
            offline=error == "offline",
            open_conflicts=open_conflicts,
            client_id=state.client_id if state else None,
            last_error=error,
            last_attempt_at=attempt,
            incomplete=state is not None and not state.bootstrapped,
        )

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictView]:
        """Conflicts reported by the server, newest first."""
        self.desk.require(Permission.READ)
        query = select(SyncConflict).order_by(col(SyncConflict.at).desc())
        if not include_resolved:
            query = query.where(col(SyncConflict.resolved_at).is_(None))
        with self.desk.reading() as session:
            return conflict_views(session, list(session.execute(query).scalars()))

    def resolve(self, conflict_id: str) -> None:
        """Mark a conflict reviewed."""
        with self.desk.writing(Permission.EDIT) as tx:
            row = tx.session.get(SyncConflict, conflict_id)
            if row is not None and row.resolved_at is None:
                row.resolved_at = tx.now
                tx.session.add(row)
                tx.changes.add("sync_conflict", conflict_id, row.patient_id)
                tx.audit("sync.resolve", entity="sync_conflict", entity_id=conflict_id)

    # ----- server settings --------------------------------------------------------------------
    def server(self) -> ServerSettings:
        """The configured server (``sync.url``, ``sync.user``; whether a password is set), and
        the signed-in person's own login if they have one."""
        settings, me = self.desk.settings, self.desk.user.login
        return ServerSettings(
            settings.get("sync.url"),
            settings.get("sync.user"),
            settings.is_set("sync.password"),
            settings.personal("sync.user", me),
            settings.personal_is_set("sync.password", me),
        )

    def set_login(self, login: str, user: str, password: str | None = None) -> None:
        """Give careDesk user ``login`` their own server login (admins for anyone, each person
        for themselves); an empty ``user`` removes it, so the workstation's login applies."""
        user = user.strip()
        if user and not setup.ROLE_NAME.fullmatch(user):
            raise CareDeskError(
                "sync.user: use the login role the server administrator created "
                "(letters, digits, '_', '-' or '.')"
            )
        settings = self.desk.settings
        if password is None and user != settings.personal("sync.user", login):
            password = ""  # a kept password belongs to the login it was set for
        settings.set_personal("sync.user", login, user)
        if password is not None or not user:
            settings.set_personal("sync.password", login, password or "")

    def configure(self, url: str, user: str, password: str | None = None) -> None:
        """Set the server (admins): the URL and login are checked first; ``None`` keeps the
        password already set. Nothing is stored when a value is refused."""
        self.desk.require(Permission.ADMIN)
        if not user.strip():
            raise CareDeskError(
                "sync.user: enter the login this workstation's user has on the server"
            )
        conninfo(url.strip(), user.strip(), password or "")  # raises with the field named
        self.desk.settings.set("sync.url", url.strip())
        self.desk.settings.set("sync.user", user.strip())
        if password is not None:
            self.desk.settings.set("sync.password", password)

    def check_connection(self) -> str:
        """Connect once, log in and ask the server whether this workstation may sync there
        (nothing is written); returns the server's version, or raises what a sync would:
        SyncOffline, SyncRefused (a server set up by an older careDesk, a login of no clinic),
        SyncUpgradeRequired (this workstation too old) or SyncNotConfigured."""
        info = self._conninfo()
        try:
            with self.connect(info) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                ready.check(self.desk, conn, self.schema_version, plainly=True)
        except psycopg.OperationalError as exc:
            raise connect_error(exc) from exc
        except psycopg.Error as exc:
            raise refused_error(exc) from exc
        return str(row[0]) if row else ""

    def first_sync_sends(self) -> tuple[int, int] | None:
        """Before this workstation's first sync: (patients, of them demo patients) that it would
        send to the clinic server, for a person to confirm; None once it syncs."""
        if self.capturing:
            return None
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = session.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE source_system = :demo)"
                    " FROM patient WHERE deleted_at IS NULL"
                ),
                {"demo": DEMO_SOURCE},
            ).one()
        return int(row[0]), int(row[1])

    # ----- sync -------------------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> SyncReport:
        """Push and pull now (first sync included); raises SyncOffline when unreachable.

        ``progress`` is updated from this thread; cancelled, the sync stops at its next step
        (:class:`~careDesk.ops.Cancelled`) keeping what it committed. Each local write is short.
        """
        self.desk.require(Permission.EDIT)
        info = self._conninfo()
        with self._running:  # one sync at a time: a second caller waits, then syncs again
            snapshot.restore_indexes(self.desk)  # after a first sync killed mid-table
            self._progress = progress or Progress()
            return self._run(info)

    def _run(self, info: str) -> SyncReport:
        try:
            with self.connect(info) as conn:
                report = self._exchange(conn)
        except psycopg.OperationalError as exc:
            error = connect_error(exc)
            self._note_attempt(error.code if isinstance(error, SyncRefused) else "offline")
            raise error from exc
        except psycopg.Error as exc:
            refused = refused_error(exc)
            self._note_attempt(refused.code)
            raise refused from exc
        return report

    def _exchange(self, conn: psycopg.Connection[Any]) -> SyncReport:
        try:
            ready.check(self.desk, conn, self.schema_version)
        except SyncRefused as refused:  # kept, for the screens (Test connection keeps nothing)
            self._note_attempt(refused.code)
            raise
        except SyncUpgradeRequired:
            self._note_attempt("upgrade")
            raise
        # Capture starts once the server is known to take this workstation: a first sync that
        # could not start leaves the vault as it was (its demo patients still asked about).
        self._enable()
        arrived: set[Kind] = set()  # what the server's rows changed here
        listening = self.desk.on_changed(lambda changes: arrived.update(changes.kinds))
        try:
            uploaded, since = upload.Uploaded(0, 0), 0
            if not self._state().bootstrapped:  # this vault's own rows first, then its outbox
                state = self._state()
                since = own_clinic.horizon(conn)
                uploaded = upload.run(
                    self.desk, conn, state.client_id, self.schema_version, self._progress
                )
            pushed, duplicates, conflicts = self._push(conn)
            pushed, conflicts = pushed + uploaded.rows, conflicts + uploaded.conflicts
            copied = 0
            if not self._state().bootstrapped:
                copied = self._bootstrap(conn, since, clean=not (conflicts or duplicates))
            pulled = self._pull(conn)
        finally:
            listening()
            self._unchecked |= Kind.SCREENER_RESULT in arrived  # kept past a failure below
        # A PHQ-9 item 9 answer ≥ 1 that arrived without its same-day work gets it now, sent at
        # once (care/urgent.py; Kroenke 2001); checked again after a check that failed.
        raised = 0
        if self._unchecked or copied > 0:
            raised = raise_all_missing(self.desk, "sync.urgent")
            self._unchecked = False
        if raised:
            sent, same, clashes = self._push(conn)
            pushed, duplicates, conflicts = pushed + sent, duplicates + same, conflicts + clashes
        # The audit trail's head goes to the server too: an anchor `caredesk check` compares.
        anchor.publish(self.desk, conn, self._state().client_id)
        self._note_attempt(None, synced=True)
        return SyncReport(pushed, duplicates, pulled, conflicts, copied)

    def _conninfo(self) -> str:
        settings, me = self.desk.settings, self.desk.user.login
        url = settings.get("sync.url")
        user = settings.personal("sync.user", me)
        password = service_secret(self.desk, "sync.password", login=me) if user else ""
        if not user:
            user = settings.get("sync.user")
            password = service_secret(self.desk, "sync.password")
        if not url or not user:
            raise SyncNotConfigured()
        return conninfo(url, user, password)

    def _state(self) -> SyncState:
        with self.desk.reading() as session:
            state = session.get(SyncState, 1)
        assert state is not None
        return state

    def _enable(self) -> None:
        """First sync: start capturing. The rows already here go by the first upload
        (``careDesk.sync.upload``) before anything captured from now on."""
        if self.capturing:
            return
        with self.desk.reading() as session:  # counted outside the write lane: a whole vault
            rows = apply.row_count(session)
        with self.desk.writing(None) as tx:
            tx.session.add(SyncState(schema_version=self.schema_version))
            tx.audit("sync.enable", detail={"rows": rows})
        self._capturing = True

    def _note_attempt(self, error: str | None, *, synced: bool = False) -> None:
        with self.desk.writing(None) as tx:
            state = tx.session.get(SyncState, 1)
            tx.changes.add("sync_state")  # the status bar and the Sync page show it
            if state is None:
                self._not_started = (error, tx.now)
                return
            state.last_attempt_at = tx.now
            state.last_error = error
            if synced:
                state.last_sync_at = tx.now
            tx.session.add(state)

    # ----- push -------------------------------------------------------------------------------
    def _push(self, conn: psycopg.Connection[Any]) -> tuple[int, int, int]:
        pushed = duplicates = conflicts = 0
        client = self._state().client_id
        with self.desk.reading() as session:
            waiting = apply.outbox_count(session)
        while True:
            self._progress.update(pushed + duplicates, waiting, SENDING)
            with self.desk.reading() as session:
                batch = session.execute(capture.OUTBOX_BATCH, {"n": PUSH_BATCH}).all()
            if not batch:
                return pushed, duplicates, conflicts
            row = conn.execute(
                "SELECT sync.push(%s, %s, %s::jsonb)",
                (client, self.schema_version, capture.mutations_json(batch)),
            ).fetchone()
            conn.commit()
            result: dict[str, Any] = row[0] if row else {}
            if result.get("status") == "upgrade":
                self._note_attempt("upgrade")
                raise SyncUpgradeRequired(int(result["min_schema"]))
            self._acknowledge(int(batch[-1][0]), result)
            pushed += len(result["applied"])
            duplicates += len(result["duplicates"])
            conflicts += len(result["conflicts"])

    def _acknowledge(self, last_seq: int, result: dict[str, Any]) -> None:
        """Drop the sent entries, keep the conflicts, take the server's rows (one transaction)."""
        with self.desk.writing(None) as tx:
            tx.session.execute(delete(SyncOutbox).where(col(SyncOutbox.seq) <= last_seq))
            for c in result["conflicts"]:
                record_conflict(tx, c)
            rows = [(t, data) for t, data in result["rows"] if data is not None]
            apply.write_rows(
                tx.session,
                rows,
                force=True,
                pending=apply.pending_rows(tx.session, (str(d["id"]) for _, d in rows)),
                changes=tx.changes,
            )

    # ----- pull -------------------------------------------------------------------------------
    def _pull(self, conn: psycopg.Connection[Any]) -> int:
        pulled = 0
        while True:
            self._progress.update(pulled, 0, RECEIVING)
            state = self._state()
            row = conn.execute(
                "SELECT sync.pull(%s, %s, %s::text::xid8, %s, %s)",
                (
                    state.client_id,
                    self.schema_version,
                    str(state.cursor_txid),
                    state.cursor_seq,
                    PULL_PAGE,
                ),
            ).fetchone()
            conn.commit()
            result: dict[str, Any] = row[0] if row else {}
            if result.get("status") == "upgrade":
                self._note_attempt("upgrade")
                raise SyncUpgradeRequired(int(result["min_schema"]))
            if result.get("status") == "rebootstrap":
                self._snapshot(conn, again=True)
                continue
            page = result["rows"]
            # A row None: an uploaded row a later change superseded (its entry comes further on).
            rows = [(t, data) for _, _, t, data in page if data is not None]
            with self.desk.writing(None) as tx:
                if page:
                    pulled += apply.write_rows(
                        tx.session,
                        rows,
                        force=False,
                        pending=apply.pending_rows(tx.session, (str(d["id"]) for _, d in rows)),
                        changes=tx.changes,
                    )
                    st = tx.session.get(SyncState, 1)
                    assert st is not None
                    st.cursor_txid, st.cursor_seq = int(page[-1][0]), int(page[-1][1])
                    tx.session.add(st)
            if not result["more"]:
                return pulled

    # ----- snapshot (first sync, or after the server purged past this cursor) -----------------
    def _snapshot(self, conn: psycopg.Connection[Any], *, again: bool) -> int:
        client, version = self._state().client_id, self.schema_version
        # Copy and scores (risk is derived, never replicated; a save during the copy leaves it to
        # the refresh of everyone) can be made again until the durable commit that counts the
        # snapshot as taken: until then they commit without waiting for the disk (replayable).
        # Scores start once the tables they read are in, while the copy goes on with the rest;
        # leaving the block ends the copy, then waits for them (careDesk/care/risk/alongside.py).
        # Meanwhile the interpreter lock changes hands more often (snapshot.short_lock_turns).
        with (
            replayable(),
            snapshot.short_lock_turns(),
            ScoresAlongside(self.desk, self._progress) as scores,
            self.desk.risk.copying(),
        ):
            args = (self.desk, conn, client, version, self._progress)
            taken = snapshot.take(*args, again=again, scores=None if again else scores)
        self._bootstrapped(taken.txid, copied=True)
        return taken.rows

    def _bootstrap(self, conn: psycopg.Connection[Any], since: int, *, clean: bool) -> int:
        """A first sync's copy of the clinic (rows copied), unless the clinic is this vault's
        own: its first workstation, whose upload and push (``clean``: no conflict, no
        duplicate) are all the server has (:func:`own_clinic.ours`)."""
        state, ours = self._state(), None
        if clean:
            ours = own_clinic.ours(self.desk, conn, state.client_id, self.schema_version, since)
        if ours is None:
            return self._snapshot(conn, again=False)
        self._bootstrapped(ours, copied=False)
        return 0

    def _bootstrapped(self, txid: int, *, copied: bool) -> None:
        """This vault holds the clinic as of ``txid``: pull from there on."""
        with self.desk.writing(None) as tx:
            st = tx.session.get(SyncState, 1)
            assert st is not None
            st.cursor_txid, st.cursor_seq, st.bootstrapped = txid, 0, True
            tx.session.add(st)
            if copied:
                for t in synced_tables():  # every screen shows something new
                    tx.changes.add(t.name)
