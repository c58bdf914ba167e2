"""The SQLAlchemy engine over SQLCipher: encrypted from the first byte, WAL, foreign keys.

The engine is built with ``creator=`` so every connection is keyed before SQLAlchemy touches it,
and ``module=sqlcipher3`` so the dialect uses SQLCipher's DB-API. The key is raw (32 bytes as
hex), so SQLCipher skips its own PBKDF2: our key slots already did the slow derivation.
An unencrypted engine with the same settings exists only for the benchmarks' side-by-side ratio.

Every write transaction on an engine passes its :class:`~careDesk.ops.lane.WriteLane` (taken
before ``BEGIN IMMEDIATE``, given back once ``COMMIT`` or ``ROLLBACK`` finished): one writer at a
time in this process, interactive first, each hold timed. See
docs/architecture.md#how-a-write-reaches-the-database.
"""

from __future__ import annotations

import threading
import unicodedata
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from careDesk.errors import DatabaseBusy
from careDesk.ops.context import Priority, current_priority
from careDesk.ops.lane import WriteLane, is_locked_error
from careDesk.store import faults

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 64 * 1024
# SQLite copies the write-ahead log into the database every 1,000 pages by itself, inside the
# COMMIT that crosses the mark — so inside that transaction's hold on the write lane, where a
# waiting save would wait for the copy too. We copy it ourselves once the lane is free, after
# the commit; a save leaves that copy to a job that writes meanwhile (see _Connection.commit).
CHECKPOINT_BYTES = 4 * 1024 * 1024
# Connections: the runner's interactive and background threads, its readers, APScheduler's job
# store, and a read inside a write; two stay open with their page caches warm.
POOL_SIZE, POOL_OVERFLOW = 2, 8

# sqlcipher3's binding asks every value that is not exactly int, float, str or bytearray to
# adapt itself, and for None and bool that means raising and clearing an AttributeError: about
# 1 µs a value, the larger part of an insert's cost (a first sync binds tens of millions). A
# registered adapter is found first, and gives what binding would have made of the value anyway
# (NULL; 1 or 0). Neither type is one whose registration makes every value go through adapters.
_NO_VALUE: dict[object, None] = {}
sqlcipher3.register_adapter(type(None), _NO_VALUE.get)
sqlcipher3.register_adapter(bool, int)

_LANES: weakref.WeakKeyDictionary[Engine, WriteLane] = weakref.WeakKeyDictionary()
_replay = threading.local()  # .on: this thread's writes can be made again (see replayable)


@contextmanager
def replayable() -> Iterator[None]:
    """Writes this thread makes inside can be made again from elsewhere (a first sync's copy
    and the scores computed from it: the server still has every row): they commit without
    waiting for the disk (``synchronous = NORMAL``), other threads' writes as always (FULL).

    In WAL mode such a commit is as atomic as any and cannot damage the vault; a power cut can
    only take back the newest of them, never a durable commit made after them, whose flush of
    the log carries them to the disk too. So the job ends with a durable commit that records it
    as done (the sync state), and a cut before that makes the job start again.
    """
    before = getattr(_replay, "on", False)
    _replay.on = True
    try:
        yield
    finally:
        _replay.on = before


class _Connection(sqlcipher3.Connection):  # type: ignore[misc]
    """A SQLCipher connection that gives the write lane back when its transaction ends."""

    lane: WriteLane | None = None
    wal: Path | None = None  # the write-ahead log, checkpointed after commits (read-write only)
    relaxed = False  # this transaction commits without a flush (replayable); FULL again after

    def commit(self) -> None:
        try:
            super().commit()
        except BaseException:
            # A failed COMMIT (a full disk, an I/O error) ends the transaction: SQLAlchemy
            # counts it as reset and will not roll back, so give the lane back here.
            self._abandon_write()
            raise
        if not self.in_transaction:
            lane = self.lane
            self._end_write()
            saved = current_priority() is Priority.INTERACTIVE  # a person's write, not a job's
            if lane is not None and not (saved and lane.busy):
                self._checkpoint_when_large()

    def _checkpoint_when_large(self) -> None:
        """Copy the log into the database once it passes CHECKPOINT_BYTES, with the lane free:
        PASSIVE waits for no reader or writer, so writes go on meanwhile.

        Not after a save while another transaction holds or waits for the lane (a job writing
        in chunks: a first sync's copy fills the log by megabytes a second): the save's caller
        would wait for the copy of the job's pages (50-140 ms under a first sync's load), and
        the job's own next commit copies them. With no job writing, a save copies as always."""
        try:
            large = self.wal is not None and self.wal.stat().st_size > CHECKPOINT_BYTES
        except OSError:
            return
        if large:
            self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            self.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlcipher3.Error:  # the commit stands; the next one (or closing) copies it
            return

    def _abandon_write(self) -> None:
        try:
            if self.in_transaction:
                super().rollback()
        except sqlcipher3.Error:
            pass  # the transaction is already gone; the lane must be freed all the same
        finally:
            self._end_write()

    def rollback(self) -> None:
        try:
            super().rollback()
        except BaseException:
            self._end_write()
            raise
        self._end_write(undone=True)  # it changed nothing: a refresh that read meanwhile stands

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_write()

    def _end_write(self, *, undone: bool = False) -> None:
        if self.relaxed:
            self.relaxed = False
            with suppress(sqlcipher3.ProgrammingError):  # closed: it will commit nothing more
                self.execute("PRAGMA synchronous = FULL")
        lane, self.lane = self.lane, None
        if lane is not None:
            lane.release(undone=undone)


class KeySource:
    """The database key an engine's new connections use; replaced after a key rotation."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def __call__(self) -> bytes:
        return self.key


@lru_cache(maxsize=65_536)
def folded(text: str) -> str:
    """Lower case without accents: how a person reads a name in an alphabetical list."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded_order(a: str, b: str) -> int:
    """The FOLDED collation: "Álvarez" sorts with the A's, "de la Cruz" with "De La Cruz"."""
    left, right = folded(a), folded(b)
    return (left > right) - (left < right) or (a > b) - (a < b)


def _connect(path: Path, key: bytes | None, readonly: bool) -> Any:
    """A configured connection to the vault at ``path``, keyed with ``key``, with its pages
    read in the format the vault was made with (:func:`formats`)."""
    first: sqlcipher3.DatabaseError | None = None
    for shape in formats(path):
        try:
            conn = _connect_at(path, key, readonly, shape)
        except sqlcipher3.DatabaseError as exc:
            if key is None or not _unreadable(exc):
                raise
            first = first or exc  # a file unreadable in every format is reported as in the first
            continue
        _SEEN[str(path)] = shape
        return conn
    assert first is not None
    raise first


@dataclass(frozen=True)
class PageFormat:
    """How a vault's pages are laid out and authenticated. SQLCipher can read neither from the
    file (the page size sits inside the encrypted header, and the first page's check needs the
    right HMAC), so it must be told both before it reads the first page."""

    size: int
    hmac: str


# New vaults are made in FORMAT; each earlier careDesk made its vaults in one of OLDER_FORMATS
# (SQLCipher 4's defaults: 4 KiB pages and HMAC-SHA512; then 8 KiB pages), which keep theirs.
# Larger pages mean fewer pages to encrypt, authenticate and write for a bulk load: writing a
# 50,000-patient clinic into a new vault (benchmarks/sync_floor.py) took 14.6 s with 8 KiB
# pages, 13.8-14.6 s with 16 KiB and 16.4-18.5 s with 4 KiB, in runs side by side. But a
# write that changes a few rows here and there writes whole pages: generating the
# 50,000-patient demo clinic took 170 s with 8 KiB, 187-211 s with 16 KiB (over its 180 s
# budget) and 145 s with 4 KiB; a first sync took 0.4-0.9 s longer with 8 KiB than 16.
# HMAC-SHA256 authenticates a page in less than half HMAC-SHA512's time on a processor with
# SHA extensions (OpenSSL, 8 KiB: 1.68 GB/s against 0.73 GB/s; AES-256-CBC itself 1.25 GB/s),
# and every page written or read from the file is authenticated: a first sync's app used
# 26.3-26.4 s of CPU against 28.3-30.3 s. A 256-bit HMAC keyed with 256 bits is no weaker a
# check that a page is the one the key wrote (docs/security.md).
FORMAT = PageFormat(8_192, "HMAC_SHA256")
OLDER_FORMATS = (PageFormat(8_192, "HMAC_SHA512"), PageFormat(4_096, "HMAC_SHA512"))
_SEEN: dict[str, PageFormat] = {}  # the format a vault turned out to have, by path


def formats(path: Path) -> tuple[PageFormat, ...]:
    """The formats to read the vault at ``path`` in, most likely first: with a write-ahead log
    beside it, those of the page size its (plain) header records come first (never open a vault
    with a log of another page size); among them, the format the vault had last time; else
    :data:`FORMAT`."""
    every = (FORMAT, *OLDER_FORMATS)
    seen = _SEEN.get(str(path))
    logged = _wal_page_size(path)
    return tuple(sorted(every, key=lambda f: (logged is not None and f.size != logged, f != seen)))


def use_format(conn: Any, shape: PageFormat) -> None:
    """Tell a keyed connection, before its first read, the format of its pages."""
    conn.execute(f"PRAGMA cipher_page_size = {shape.size}")
    conn.execute(f"PRAGMA cipher_hmac_algorithm = {shape.hmac}")


def format_of(conn: Any) -> PageFormat:
    """The format of an open, keyed connection's pages."""
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return PageFormat(size, str(conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0]))


def _wal_page_size(path: Path) -> int | None:
    """The page size a write-ahead log beside ``path`` records (bytes 8-11 of its header,
    https://www.sqlite.org/fileformat2.html#walformat), if there is a log with a header."""
    try:
        with open(f"{path}-wal", "rb") as log:
            header = log.read(32)
    except OSError:
        return None
    if len(header) < 32:
        return None
    size = int.from_bytes(header[8:12], "big")
    return size if size in {f.size for f in (FORMAT, *OLDER_FORMATS)} else None


def _unreadable(exc: sqlcipher3.DatabaseError) -> bool:
    """Whether SQLCipher could not authenticate the first page: a wrong key, a damaged file,
    or pages of another size than it was told."""
    return "file is not a database" in str(exc)


def _connect_at(path: Path, key: bytes | None, readonly: bool, shape: PageFormat) -> Any:
    # Read-only desks use query_only rather than a mode=ro file handle: a mode=ro connection
    # cannot remove the -wal/-shm files it creates, so a mere look would leave files behind.
    uri = f"file:{path.as_posix()}"
    conn = sqlcipher3.connect(
        uri, uri=True, check_same_thread=False, isolation_level=None, factory=_Connection
    )
    conn.create_collation("FOLDED", _folded_order)  # lists sorted by name (ORDER BY only)
    try:
        # SQLCipher logs failed page checks to stderr by default; our typed errors say it once.
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            use_format(conn, shape)
        else:
            conn.execute(f"PRAGMA page_size = {shape.size}")  # a new file's; else its own
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reading the schema first decrypts a page: a wrong key or damaged header fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # see CHECKPOINT_BYTES
            # ... and the log file is cut back to that size when it starts over, so its size
            # tells how much is waiting to be copied.
            conn.execute(f"PRAGMA journal_size_limit = {CHECKPOINT_BYTES}")
            conn.wal = path.with_name(path.name + "-wal")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")  # never spill temporary tables to plain files
        # Decrypting a page costs more than reading it: a 64 MiB page cache per connection
        # keeps hot index pages (search, worklist) decrypted; on the 50,000-patient clinic it
        # brought encrypted search to unencrypted speed. It fills only as pages are read.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except BaseException:
        conn.close()  # a half-opened connection must not keep -wal/-shm files alive
        raise
    return conn


def raw_connect(path: Path, key: bytes | None, readonly: bool = False) -> Any:
    """A keyed DB-API connection (autocommit), for integrity checks and backups."""
    return _connect(path, key, readonly)


def write_lane(engine: Engine) -> WriteLane:
    """The write lane of an engine made by :func:`build_engine`."""
    return _LANES[engine]


def build_engine(
    path: Path, key: bytes | Callable[[], bytes] | None, *, readonly: bool = False
) -> Engine:
    """An engine whose every connection is keyed and configured before use.

    ``key`` may be a function giving the current key: after a key rotation (``PRAGMA rekey``)
    new connections then use the new key on the same engine (the reminder clock's job store
    holds this engine).
    """
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,
        creator=lambda: _connect(path, key() if callable(key) else key, readonly),
        poolclass=QueuePool,
        hide_parameters=True,  # values may be patient data: keep them out of error text
        pool_size=POOL_SIZE,
        pool_use_lifo=True,  # the connection just used (its page cache warm) goes out next
        max_overflow=POOL_OVERFLOW,
    )
    lane = _LANES[engine] = WriteLane(BUSY_TIMEOUT_MS / 1000, str(path.parent))

    faults.install(engine, path.parent)  # a full disk, read-only folder… as typed errors

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # pysqlite's own BEGIN handling is off (isolation_level=None); take the write lock at
        # the start so two writers queue instead of failing half-way. Reads (engines made with
        # ``execution_options(read_only=True)``) begin deferred: in WAL they never wait on a writer.
        if readonly or conn.get_execution_options().get("read_only", False):
            conn.exec_driver_sql("BEGIN")
            return
        lane.acquire()  # DatabaseBusy when it stays taken past the busy timeout
        raw = conn.connection.driver_connection
        try:
            if getattr(_replay, "on", False):  # set outside a transaction only (SQLite's rule)
                raw.execute("PRAGMA synchronous = NORMAL")
                raw.relaxed = True
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException as exc:
            raw.lane = lane
            raw._end_write()  # the lane back, and FULL again
            if is_locked_error(exc):  # another program holds the vault's write lock
                raise DatabaseBusy(str(path.parent), BUSY_TIMEOUT_MS / 1000) from None
            raise
        raw.lane = lane  # given back at COMMIT or ROLLBACK

    return engine
