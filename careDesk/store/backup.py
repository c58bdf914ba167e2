"""Encrypted, self-contained backups: verified after writing, restored without losing anything.

A backup file is a zip of the encrypted database (a consistent copy made with SQLite's online
backup API, still under the same SQLCipher key), the key-slot file, and a manifest with SHA-256
sums. Nothing in it is readable without a password or the recovery key. It is written to a
temporary file beside the target, verified, then renamed over it, so a failed or interrupted
backup leaves the previous one intact.

The manifest is sealed (format 2): an HMAC-SHA256 over all of it (sums, vault id, schema,
date, and anything added later) under a key derived with HKDF from the database key. Plain
checksums only catch accidents; someone who edits or swaps a file can recompute them, but
not the seal without the database key. Restore (:mod:`careDesk.store.restore`) checks the
seal once a password or the recovery key has opened the backup's key.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from careDesk.errors import (
    BackupInvalid,
    CareDeskError,
    NotEnoughSpace,
)
from careDesk.model.base import utcnow
from careDesk.paths import VaultPaths, open_private, private_dir
from careDesk.security import anchors
from careDesk.security.roles import Permission
from careDesk.store.engine import format_of, raw_connect, use_format
from careDesk.store.keyslots import KeySlotFile

if TYPE_CHECKING:
    from careDesk.desk import Desk
    from careDesk.security.signing import Signer

FORMAT = 2  # 2: sealed manifest; 1 (careDesk before issue 16): checksums only
FORMATS = (1, 2)
SUFFIX = ".cdbak"
MEMBERS = ("vault.db", "vault.keys")
_SEAL_INFO = b"careDesk backup manifest seal v1"


@dataclass(frozen=True)
class BackupInfo:
    """A backup that was written and verified."""

    path: Path
    size: int
    created_at: datetime
    schema: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _seal_key(db_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(db_key)


def _sealed_bytes(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "seal"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(manifest: dict[str, Any], db_key: bytes) -> dict[str, Any]:
    """``manifest`` with its ``seal``: HMAC-SHA256 of everything else under the database key."""
    mac = hmac.new(_seal_key(db_key), _sealed_bytes(manifest), hashlib.sha256).hexdigest()
    return {**manifest, "seal": mac}


def seal_matches(manifest: dict[str, Any], db_key: bytes) -> bool:
    """Whether the manifest's seal was made with this database key over exactly this content."""
    given = manifest.get("seal")
    if not isinstance(given, str):
        return False
    expected = seal(manifest, db_key)["seal"]
    return hmac.compare_digest(given, expected)


def map_os_error(exc: OSError, target: Path) -> CareDeskError:
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return NotEnoughSpace(str(target))
    return CareDeskError(f"Could not write {target}: {exc.strerror or exc}.")


def _snapshot(paths: VaultPaths, key: bytes, staging: Path, target: Path) -> tuple[Path, int]:
    """A consistent encrypted copy of the live database in ``staging``, and its schema number
    (older than this app's for the backup taken before a migration)."""
    copy = staging / "vault.db"
    src = raw_connect(paths.database, key, readonly=False)
    dst = sqlcipher3.connect(str(copy), isolation_level=None)
    try:
        dst.execute("PRAGMA cipher_log_level = NONE")
        dst.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # Page by page: the copy's pages must have the vault's format (careDesk/store/engine.py).
        use_format(dst, format_of(src))
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        schema = int(dst.execute("PRAGMA user_version").fetchone()[0])
    except sqlcipher3.Error as exc:
        # SQLITE_FULL ("database or disk is full") or an I/O error from a size limit.
        if "full" in str(exc).lower() or "disk i/o" in str(exc).lower():
            raise NotEnoughSpace(str(target)) from exc
        raise CareDeskError(f"Could not copy the vault for the backup to {target}.") from exc
    finally:
        dst.close()
        src.close()
    return copy, schema


def _write_archive(fh: IO[bytes], files: dict[str, Path], manifest: dict[str, Any]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        for name, path in files.items():
            archive.write(path, name)


def _staging_dir(paths: VaultPaths) -> Path:
    return Path(tempfile.mkdtemp(dir=private_dir(paths.root / ".staging")))


def write_backup(
    paths: VaultPaths, key: bytes, target: Path, signer: Signer | None = None
) -> BackupInfo:
    """Write a verified backup of the vault to ``target``.

    Its manifest records the head of the audit trail it holds (an anchor, signed by
    ``signer``), which ``caredesk check`` compares with the live trail.

    Nothing is written at ``target`` until the new archive is complete and verified: a full
    disk, a size limit or a crash leaves the previous backup there as it was.
    """
    target = target.expanduser()
    try:
        staging = _staging_dir(paths)
    except OSError as exc:
        raise map_os_error(exc, target) from exc
    try:
        db_copy, schema = _snapshot(paths, key, staging, target)
        keys_copy = staging / "vault.keys"
        shutil.copyfile(paths.key_slots, keys_copy)
        files = {"vault.db": db_copy, "vault.keys": keys_copy}
        created = utcnow()
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "schema": schema,
            "vault_id": KeySlotFile.load(paths.key_slots).vault_id,
            "sha256": {name: _sha256(p) for name, p in files.items()},
        }
        manifest["audit_head"] = anchors.for_backup(db_copy, key, str(manifest["vault_id"]), signer)
        manifest = seal(manifest, key)  # the seal covers the anchor too
        needed = sum(p.stat().st_size for p in files.values()) + 4096
        _write_target(target, files, manifest, needed, key)
        return BackupInfo(target, needed, created, schema)
    except OSError as exc:
        raise map_os_error(exc, target) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_target(
    target: Path, files: dict[str, Path], manifest: dict[str, Any], needed: int, key: bytes
) -> None:
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = 0
    try:
        if mode and not stat.S_ISREG(mode):
            # A device or pipe: stream straight into it (there is no file to keep intact).
            with open(target, "wb") as fh:
                _write_archive(fh, files, manifest)
                fh.flush()
            return
        private_dir(target.parent, tighten_existing=False)
        if shutil.disk_usage(target.parent).free < needed:
            raise NotEnoughSpace(str(target))
        tmp = target.with_name(f".{target.name}.partial")
        try:
            with open_private(tmp) as fh:
                _write_archive(fh, files, manifest)
                fh.flush()
                os.fsync(fh.fileno())
            if not seal_matches(verify_backup(tmp), key):
                raise BackupInvalid(str(target), "its seal did not verify after writing")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise map_os_error(exc, target) from exc


def verify_backup(path: Path) -> dict[str, Any]:
    """Check the archive's structure and checksums; returns its manifest. (The seal needs the
    database key: restore checks it with :func:`seal_matches`.)"""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
                raise BackupInvalid(str(path), "unknown backup format")
            for name in MEMBERS:
                digest = hashlib.sha256()
                with archive.open(name) as member:
                    for block in iter(lambda: member.read(1 << 20), b""):
                        digest.update(block)
                if digest.hexdigest() != manifest["sha256"][name]:
                    raise BackupInvalid(str(path), f"{name} does not match its checksum")
            return dict(manifest)
    except FileNotFoundError:
        raise BackupInvalid(str(path), "the file does not exist") from None
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise BackupInvalid(str(path), "the file is damaged or not a careDesk backup") from exc


def backup_before_migration(paths: VaultPaths, key: bytes, version: int) -> Path:
    """The automatic backup taken before a schema upgrade."""
    private_dir(paths.backups)
    target = paths.backups / f"before-schema-{version}-{utcnow():%Y%m%d-%H%M%S}{SUFFIX}"
    write_backup(paths, key, target)
    return target


# ----- rotation --------------------------------------------------------------------------------
def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.stem.removeprefix("caredesk-"), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def rotate_backups(folder: Path, keep_daily: int = 7, keep_weekly: int = 4) -> list[Path]:
    """Delete old scheduled backups, keeping the newest per day for ``keep_daily`` days and
    the newest per ISO week for ``keep_weekly`` weeks. Returns what was deleted."""
    dated = sorted(
        ((stamp, p) for p in folder.glob(f"caredesk-*{SUFFIX}") if (stamp := _stamp(p))),
        reverse=True,
    )
    keep: set[Path] = set()
    days: list[Any] = []
    weeks: list[Any] = []
    for stamp, path in dated:
        day, week = stamp.date(), stamp.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(path)
    removed = [path for _, path in dated if path not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def scheduled_name(now: datetime | None = None) -> str:
    """The file name of a scheduled backup taken at ``now`` (rotation reads it back)."""
    return f"caredesk-{(now or utcnow()):%Y%m%d-%H%M%S}{SUFFIX}"


class Backups:
    """Backup verbs on an open desk (admins)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def folder(self) -> Path:
        """Where scheduled backups go (setting ``backup.folder``, else the data folder)."""
        configured = self.desk.settings.get("backup.folder")
        return Path(configured).expanduser() if configured else self.desk.paths.backups

    def make(self, target: Path | None = None) -> BackupInfo:
        """Write a backup (to ``target`` or the backup folder) and audit it."""
        self.desk.require(Permission.ADMIN)
        target = target or self.folder() / scheduled_name()
        try:
            info = write_backup(self.desk.paths, self.desk.key, target, self.desk.signer)
        except CareDeskError as exc:
            with self.desk.writing(None) as tx:
                tx.audit("backup.failed", detail={"reason": exc.message})
            raise
        with self.desk.writing(None) as tx:
            tx.audit("backup.make", detail={"file": target.name, "bytes": info.size})
        return info

    def nightly(self) -> BackupInfo:
        """The scheduled backup with rotation (7 daily, 4 weekly by default)."""
        info = self.make()
        rotate_backups(
            self.folder(),
            self.desk.settings.get_int("backup.keep_daily"),
            self.desk.settings.get_int("backup.keep_weekly"),
        )
        return info

    def last_result(self) -> tuple[str, datetime] | None:
        """The latest backup outcome ("backup.make" or "backup.failed") and when."""
        events = [
            e
            for action in ("backup.make", "backup.failed")
            for e in self.desk.audit_events(action=action, limit=1)
        ]
        if not events:
            return None
        latest = max(events, key=lambda e: e.seq or 0)
        return latest.action, latest.at
