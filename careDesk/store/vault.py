"""Creating and unlocking a vault: the database file plus its key-slot file.

Opening checks, in order, before anything is written: the files are there, the vault is not
open elsewhere, the sign-in is not in back-off, ``vault.keys`` is intact, the password opens the
user's key pair, the key pair opens the sealed database key, the database decrypts, and its
schema is not newer than this app. Each failure is its own typed error. An unknown login costs
the same Argon2id derivation as a real one, so the time taken does not tell which logins exist.
"""

from __future__ import annotations

import os
import time
import uuid

import sqlcipher3
from filelock import FileLock, Timeout
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlmodel import Session, select

from careDesk.desk import CurrentUser, Desk
from careDesk.errors import (
    AccountDisabled,
    FolderReadOnly,
    KeySlotsDamaged,
    LoginDelayed,
    SchemaTooNew,
    VaultDamaged,
    VaultExists,
    VaultInUse,
    VaultMissing,
    WrongPassword,
)
from careDesk.model.security import User, user_id
from careDesk.paths import VaultPaths, private_dir
from careDesk.security import anchors, audit
from careDesk.security.passwords import check_password
from careDesk.security.roles import Role
from careDesk.security.signing import Signer
from careDesk.store import faults, keyslots, migrate, slotmigrate
from careDesk.store.engine import KeySource, build_engine
from careDesk.store.keyslots import KeySlotFile

# "Remember on this workstation" lives in its own module; these names stay importable here.
from careDesk.store.remember import (
    KEYRING_SERVICE,
    forget_workstation,
    keyring_available,
    remember_on_workstation,
    remembered_secret,
)
from careDesk.store.signins import Clock, SignInLog
from careDesk.store.slotcrypto import KeyPair, SlotDamage
from careDesk.store.slotmigrate import Opened


class _WrongKey(VaultDamaged):
    """The database does not decrypt with this key (another may be tried)."""


def _take_lock(paths: VaultPaths) -> FileLock:
    lock = FileLock(str(paths.lock), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        # A lock file that cannot be made looks like one held elsewhere: tell them apart.
        if not faults.folder_writable(paths.root):
            raise FolderReadOnly(str(paths.root)) from None
        raise VaultInUse(str(paths.root)) from None
    except OSError as exc:
        raise (faults.os_fault(exc, paths.root) or exc) from exc
    return lock


def _open_engine(paths: VaultPaths, key: KeySource, readonly: bool) -> Engine:
    engine = build_engine(paths.database, key, readonly=readonly)
    try:
        return _checked_schema(engine, paths, key, readonly)
    except BaseException:
        engine.dispose()  # e.g. a full disk during the upgrade: no connection left open
        raise


def _checked_schema(engine: Engine, paths: VaultPaths, key: KeySource, readonly: bool) -> Engine:
    """The engine, once the schema is known to be this app's (upgraded if older); the caller
    disposes of it on any error. Storage faults (busy, full, read-only, I/O) arrive typed from
    the engine (careDesk/store/faults.py): a database error left here does not decrypt."""
    try:
        version = migrate.schema_version(engine)
    except (sqlcipher3.DatabaseError, SADatabaseError) as exc:
        raise _WrongKey(str(paths.database), "it does not decrypt") from exc
    if version > migrate.SCHEMA_VERSION:
        raise SchemaTooNew(version, migrate.SCHEMA_VERSION)
    if version < migrate.SCHEMA_VERSION:
        if readonly:
            raise VaultDamaged(str(paths.database), "it needs an upgrade; open it for writing")
        if version > 0:
            from careDesk.store.backup import backup_before_migration

            backup_before_migration(paths, key.key, version)
        migrate.upgrade(engine)
    return engine


def _open_database(
    paths: VaultPaths, candidates: list[bytes], readonly: bool
) -> tuple[Engine, KeySource]:
    """Open with the first key that decrypts (the current key, or the next one when a key
    rotation stopped after re-encrypting the database)."""
    failure: VaultDamaged | None = None
    for key in candidates:
        source = KeySource(key)
        try:
            return _open_engine(paths, source, readonly), source
        except _WrongKey as exc:
            failure = exc
    raise VaultDamaged(str(paths.database), "it does not decrypt") from failure


# ----- create ---------------------------------------------------------------------------------
def create_vault(
    paths: VaultPaths, admin_login: str, password: str, *, display_name: str = ""
) -> tuple[Desk, str]:
    """Create a new vault with its first admin; returns the open desk and the recovery key.

    The recovery key is shown once and never stored in readable form.
    """
    if paths.exists():
        raise VaultExists(str(paths.root))
    from careDesk.security.users import validate_login

    validate_login(admin_login)
    check_password(password, admin_login)
    try:
        private_dir(paths.root)
    except OSError as exc:  # e.g. a data folder chosen on a read-only disk
        raise (faults.os_fault(exc, paths.root) or exc) from exc
    lock = _take_lock(paths)
    try:
        desk, recovery_key = _create(paths, admin_login, password, display_name, lock)
    except BaseException:
        # A vault that failed half-way is removed, so the next attempt starts clean.
        for path in [paths.database, *paths.sidecars(), paths.key_slots]:
            path.unlink(missing_ok=True)
        lock.release()
        raise
    return desk, recovery_key


def _create(
    paths: VaultPaths, login: str, password: str, display_name: str, lock: FileLock
) -> tuple[Desk, str]:
    key, pair = os.urandom(keyslots.KEY_BYTES), KeyPair.generate()
    uid = user_id(login)
    # A random id per vault (the first admin's login would repeat across clinics): key slots
    # are bound to it, and restore refuses another vault's backup by it (issue 16).
    vault_id = str(uuid.uuid4())
    recovery_key, recovery, recovery_pair = keyslots.new_recovery()
    source = KeySource(key)
    engine = _open_engine(paths, source, readonly=False)
    admin = User(id=uid, login=login, display_name=display_name or login, role=Role.ADMIN)
    admin.changed_by = admin.id
    signer = Signer(vault_id, pair)
    introduced = {"login": login, "user_id": uid, "role": "admin", **pair.public()}
    with Session(engine, expire_on_commit=False) as session:
        session.add(admin)
        audit.append(
            session,
            login,
            "vault.create",
            detail={"user": introduced, "recovery": recovery_pair.public()},
            signer=signer,
        )
        last = audit.append(
            session,
            login,
            "user.add",
            entity="user",
            entity_id=uid,
            detail=introduced,
            signer=signer,
        )
        session.commit()
    entry = keyslots.new_user(vault_id, login, uid, pair, password)
    slots = KeySlotFile(vault_id=vault_id, users={login: entry}, recovery=recovery)
    slots.sealed = keyslots.seal_key(
        vault_id,
        1,
        key,
        {entry.label: pair.box_public, keyslots.RECOVERY: recovery_pair.box_public},
    )
    slots.save(paths.key_slots)
    user = CurrentUser(admin.id, admin.login, admin.display_name, admin.role)
    desk = Desk(
        paths=paths,
        engine=engine,
        key=key,
        vault_id=vault_id,
        user=user,
        lock=lock,
        keys=pair,
        key_source=source,
    )
    anchors.after_commit(desk, last, keys_changed=True)
    return desk, recovery_key


# ----- unlock ---------------------------------------------------------------------------------
def _check_files(paths: VaultPaths) -> KeySlotFile:
    if not paths.database.exists():
        if paths.key_slots.exists():
            raise VaultDamaged(str(paths.database), "the database file is missing")
        raise VaultMissing(str(paths.root))
    return KeySlotFile.load(paths.key_slots)


def _open_slot(
    paths: VaultPaths,
    slots: KeySlotFile,
    login: str,
    password: str,
    remembered: bytes | None,
    clock: Clock,
) -> Opened:
    sign_ins = SignInLog.load(paths.sign_ins)
    wait = sign_ins.wait_for(login, clock())
    if wait:
        raise LoginDelayed(wait)

    def fail(reason: str) -> WrongPassword:
        sign_ins.record_failure(login, reason, clock())
        return WrongPassword(login)

    entry = slots.users.get(login)
    if entry is None:
        if remembered is None:
            keyslots.dummy_sign_in(password)
        raise fail("unknown login")
    # A user from before key pairs: their old slot gives the database key itself.
    legacy = entry.legacy if remembered is None else entry.legacy_remember
    try:
        if legacy is not None:
            key = keyslots.open_legacy(
                slots.vault_id, legacy, password if remembered is None else remembered
            )
            if key is None:
                raise fail("wrong password")
            return Opened(None, [key])
        pair = _open_pair(slots, entry, password, remembered)
    except SlotDamage as exc:
        raise KeySlotsDamaged(str(paths.key_slots), str(exc)) from None
    if pair is None:
        raise fail("wrong password")
    candidates = [
        key
        for sealed in (slots.sealed, slots.next)
        if sealed is not None
        and (key := keyslots.open_key(slots.vault_id, sealed, entry.label, pair)) is not None
    ]
    if not candidates:
        raise KeySlotsDamaged(str(paths.key_slots), f"no database key is sealed to {login}")
    return Opened(pair, candidates)


def _open_pair(
    slots: KeySlotFile, entry: keyslots.UserEntry, password: str, remembered: bytes | None
) -> KeyPair | None:
    if remembered is not None:
        if entry.remember is None:
            return None
        return keyslots.open_remember(slots.vault_id, entry, remembered)
    if entry.password is None:
        return None
    return keyslots.open_password(slots.vault_id, entry, password)


def _is_damage(exc: BaseException) -> bool:
    """A database error that means unreadable pages (not a busy or locked database)."""
    damage = (sqlcipher3.DatabaseError, SADatabaseError)
    busy = (sqlcipher3.OperationalError, SAOperationalError)
    return isinstance(exc, damage) and not isinstance(exc, busy)


def unlock(
    paths: VaultPaths,
    login: str,
    password: str | None = None,
    *,
    remembered_secret: bytes | None = None,
    readonly: bool = False,
    clock: Clock = time.time,
) -> Desk:
    """Sign ``login`` in with a password (or a remembered workstation secret).

    ``clock`` (seconds since the epoch) decides the failed-sign-in back-off; tests pass their
    own instead of sleeping. In write mode the vault is locked against a second writer before
    anything is read; a read-only desk takes no lock and never writes.
    """
    _check_files(paths)  # missing files are reported before anything is touched
    lock = None if readonly else _take_lock(paths)
    try:
        slots = _check_files(paths)
        opened = _open_slot(paths, slots, login, password or "", remembered_secret, clock)
        engine, source = _open_database(paths, opened.candidates, readonly)
        user = _user_or_damage(paths, engine, login)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    desk = _desk(paths, engine, source, slots.vault_id, user, lock, opened.pair)
    if not readonly:
        try:
            if password and remembered_secret is None:
                slotmigrate.after_password(desk, slots, password)
            slotmigrate.after_sign_in(desk)
        except BaseException:
            desk.abandon()
            raise
        _finish_sign_in(desk)
    return desk


def _desk(
    paths: VaultPaths,
    engine: Engine,
    source: KeySource,
    vault_id: str,
    user: CurrentUser,
    lock: FileLock | None,
    pair: KeyPair | None,
) -> Desk:
    """The signed-in desk over an opened database (its key source kept for rotations)."""
    return Desk(
        paths=paths,
        engine=engine,
        key=source.key,
        vault_id=vault_id,
        user=user,
        lock=lock,
        keys=pair,
        key_source=source,
    )


def _user_or_damage(paths: VaultPaths, engine: Engine, login: str) -> CurrentUser:
    try:
        return _signed_in_user(engine, login)
    except BaseException as exc:
        engine.dispose()
        if _is_damage(exc):
            raise VaultDamaged(str(paths.database), "some pages do not decrypt") from exc
        raise


def _signed_in_user(engine: Engine, login: str) -> CurrentUser:
    with Session(engine) as session:
        row = session.exec(select(User).where(User.login == login)).first()
    if row is None:
        raise WrongPassword(login)
    if row.disabled:
        raise AccountDisabled(login)
    return CurrentUser(row.id, row.login, row.display_name, row.role)


def _finish_sign_in(desk: Desk) -> None:
    """Audit the sign-in and the failed attempts waiting beside the vault; reset back-off.

    A head file the trail no longer extends is recorded first (``audit.cut``), so rewriting
    the head file at this commit keeps the evidence inside the signed trail.
    """
    sign_ins = SignInLog.load(desk.paths.sign_ins)
    try:
        lost = anchors.lost_head(desk) if desk.signer is not None else None
        with desk.writing(None) as tx:
            if lost is not None:
                tx.audit(anchors.CUT_ACTION, detail=lost)
            for event in sign_ins.pending:
                tx.audit("login.failed", detail=event)
            tx.audit("login")
    except BaseException as exc:
        desk.abandon()
        if _is_damage(exc):
            raise VaultDamaged(str(desk.paths.database), "some pages do not decrypt") from exc
        raise
    sign_ins.clear(desk.user.login)


def recover(
    paths: VaultPaths,
    recovery_key: str,
    login: str,
    new_password: str,
    *,
    clock: Clock = time.time,
) -> Desk:
    """Reset ``login``'s password with the recovery key; returns the signed-in desk.

    The user gets a new key pair, and the database a new key: the forgotten password (and any
    copy of ``vault.keys`` it opens) opens nothing live afterwards.
    """
    check_password(new_password, login)
    _check_files(paths)
    lock = _take_lock(paths)
    try:
        slots = _check_files(paths)
        opened = slotmigrate.open_recovery(paths, slots, recovery_key, clock)
        engine, source = _open_database(paths, opened.candidates, readonly=False)
        user = _user_or_damage(paths, engine, login)
        try:
            check_password(new_password, login, _clinic_name(engine))
        except BaseException:
            engine.dispose()
            raise
    except BaseException:
        lock.release()
        raise
    pair = KeyPair.generate()
    desk = _desk(paths, engine, source, slots.vault_id, user, lock, pair)
    try:
        slotmigrate.recovered(desk, slots, new_password, recovery_key, opened.pair)
    except BaseException:
        desk.abandon()
        raise
    SignInLog.load(paths.sign_ins).clear("recovery")
    _finish_sign_in(desk)
    return desk


def _clinic_name(engine: Engine) -> str:
    """The clinic's name (a word a new password must not lean on), once the vault is open."""
    from careDesk.model.security import Setting

    with Session(engine) as session:
        row = session.get(Setting, "clinic.name")
    return row.value if row is not None else ""


# ----- restore (careDesk.store.restore) -------------------------------------------------------
RECOVERY_LOGIN = "recovery"


def unwrap_database_key(
    paths: VaultPaths,
    login: str,
    password: str = "",
    *,
    recovery_key: str = "",
    clock: Clock = time.time,
) -> tuple[bytes, str]:
    """The database key and vault id of the vault files in ``paths`` for a password (or the
    recovery key), without opening the database: restore checks a staged backup with it."""
    slots = _check_files(paths)
    if recovery_key:
        opened = slotmigrate.open_recovery(paths, slots, recovery_key, clock)
    else:
        opened = _open_slot(paths, slots, login, password, None, clock)
    return opened.candidates[0], slots.vault_id


def unlock_with_recovery_key(
    paths: VaultPaths, recovery_key: str, *, clock: Clock = time.time
) -> Desk:
    """Open the vault with the recovery key, acting as the clinic's admin (the key's holder
    can already reset any password); audited as "recovery" and signed by the recovery key.
    Restore uses it when no admin password is at hand."""
    _check_files(paths)
    lock = _take_lock(paths)
    try:
        slots = _check_files(paths)
        opened = slotmigrate.open_recovery(paths, slots, recovery_key, clock)
        engine, source = _open_database(paths, opened.candidates, readonly=False)
    except BaseException:
        lock.release()
        raise
    user = CurrentUser(RECOVERY_LOGIN, RECOVERY_LOGIN, "Recovery key", Role.ADMIN)
    desk = _desk(paths, engine, source, slots.vault_id, user, lock, opened.pair)
    _finish_sign_in(desk)
    return desk


__all__ = [
    "KEYRING_SERVICE",
    "RECOVERY_LOGIN",
    "create_vault",
    "forget_workstation",
    "keyring_available",
    "recover",
    "remember_on_workstation",
    "remembered_secret",
    "unlock",
    "unlock_with_recovery_key",
    "unwrap_database_key",
]
