"""Creating and unlocking a vault: the database file plus its key-slot file.

Opening checks, in order, before anything is written: the files are there, the vault is not
open elsewhere, the sign-in is not in back-off, the password opens a key slot, the database
decrypts, and its schema is not newer than this app. Each failure is its own typed error.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from typing import Any

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
from careDesk.security import audit
from careDesk.security.passwords import check_password
from careDesk.security.roles import Role
from careDesk.store import faults, keyslots, migrate
from careDesk.store.engine import build_engine
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.signins import Clock, SignInLog

KEYRING_SERVICE = "careDesk"


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


def _open_engine(paths: VaultPaths, key: bytes, readonly: bool) -> Engine:
    engine = build_engine(paths.database, key, readonly=readonly)
    try:
        return _checked_schema(engine, paths, key, readonly)
    except BaseException:
        engine.dispose()  # e.g. a full disk during the upgrade: no connection left open
        raise


def _checked_schema(engine: Engine, paths: VaultPaths, key: bytes, readonly: bool) -> Engine:
    """The engine, once the schema is known to be this app's (upgraded if older); the caller
    disposes of it on any error. Storage faults (busy, full, read-only, I/O) arrive typed from
    the engine (careDesk/store/faults.py): a database error left here does not decrypt."""
    try:
        version = migrate.schema_version(engine)
    except (sqlcipher3.DatabaseError, SADatabaseError) as exc:
        raise VaultDamaged(str(paths.database), "it does not decrypt") from exc
    if version > migrate.SCHEMA_VERSION:
        raise SchemaTooNew(version, migrate.SCHEMA_VERSION)
    if version < migrate.SCHEMA_VERSION:
        if readonly:
            raise VaultDamaged(str(paths.database), "it needs an upgrade; open it for writing")
        if version > 0:
            from careDesk.store.backup import backup_before_migration

            backup_before_migration(paths, key, version)
        migrate.upgrade(engine)
    return engine


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
        key = os.urandom(keyslots.KEY_BYTES)
        engine = _open_engine(paths, key, readonly=False)
        admin = User(
            id=user_id(admin_login),
            login=admin_login,
            display_name=display_name or admin_login,
            role=Role.ADMIN,
        )
        admin.changed_by = admin.id
        with Session(engine, expire_on_commit=False) as session:
            session.add(admin)
            audit.append(session, admin_login, "vault.create")
            audit.append(
                session,
                admin_login,
                "user.add",
                entity="user",
                entity_id=admin.id,
                detail={"login": admin_login, "role": "admin"},
            )
            session.commit()
        # A random id per vault (the first admin's login would repeat across clinics): key
        # slots are bound to it, and restore refuses another vault's backup by it (issue 16).
        vault_id = str(uuid.uuid4())
        recovery_key = keyslots.new_recovery_key()
        slots = KeySlotFile(vault_id=vault_id)
        slots.put(keyslots.wrap(vault_id, "password", admin_login, password, key))
        slots.put(
            keyslots.wrap(
                vault_id, "recovery", "recovery", keyslots.recovery_secret(recovery_key), key
            )
        )
        slots.save(paths.key_slots)
    except BaseException:
        # A vault that failed half-way is removed, so the next attempt starts clean.
        for path in [paths.database, *paths.sidecars(), paths.key_slots]:
            path.unlink(missing_ok=True)
        lock.release()
        raise
    user = CurrentUser(admin.id, admin.login, admin.display_name, admin.role)
    desk = Desk(paths=paths, engine=engine, key=key, vault_id=vault_id, user=user, lock=lock)
    return desk, recovery_key


# ----- unlock ---------------------------------------------------------------------------------
def _check_files(paths: VaultPaths) -> KeySlotFile:
    if not paths.database.exists():
        if paths.key_slots.exists():
            raise VaultDamaged(str(paths.database), "the database file is missing")
        raise VaultMissing(str(paths.root))
    return KeySlotFile.load(paths.key_slots)


def _unwrap_key(
    paths: VaultPaths,
    slots: KeySlotFile,
    login: str,
    secret: str | bytes,
    kind: str,
    clock: Clock,
) -> bytes:
    sign_ins = SignInLog.load(paths.sign_ins)
    wait = sign_ins.wait_for(login, clock())
    if wait:
        raise LoginDelayed(wait)
    slot = slots.find(kind, login)
    key = keyslots.unwrap(slots.vault_id, slot, secret) if slot else None
    if key is None:
        sign_ins.record_failure(login, "wrong password" if slot else "unknown login", clock())
        raise WrongPassword(login)
    return key


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
        if remembered_secret is not None:
            key = _unwrap_key(paths, slots, login, remembered_secret, "remember", clock)
        else:
            key = _unwrap_key(paths, slots, login, password or "", "password", clock)
        engine = _open_engine(paths, key, readonly)
        try:
            user = _signed_in_user(engine, login)
        except BaseException as exc:
            engine.dispose()
            if _is_damage(exc):
                raise VaultDamaged(str(paths.database), "some pages do not decrypt") from exc
            raise
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    desk = Desk(paths=paths, engine=engine, key=key, vault_id=slots.vault_id, user=user, lock=lock)
    if not readonly:
        _finish_sign_in(desk)
    return desk


def _signed_in_user(engine: Engine, login: str) -> CurrentUser:
    with Session(engine) as session:
        row = session.exec(select(User).where(User.login == login)).first()
    if row is None:
        raise WrongPassword(login)
    if row.disabled:
        raise AccountDisabled(login)
    return CurrentUser(row.id, row.login, row.display_name, row.role)


def _finish_sign_in(desk: Desk) -> None:
    """Audit the sign-in and the failed attempts waiting beside the vault; reset back-off."""
    sign_ins = SignInLog.load(desk.paths.sign_ins)
    try:
        with desk.writing(None) as tx:
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
    """Reset ``login``'s password with the recovery key; returns the signed-in desk."""
    check_password(new_password, login)
    _check_files(paths)
    lock = _take_lock(paths)
    try:
        slots = _check_files(paths)
        secret = keyslots.recovery_secret(recovery_key)
        key = _unwrap_key(paths, slots, "recovery", secret, "recovery", clock)
        engine = _open_engine(paths, key, readonly=False)
        try:
            user = _signed_in_user(engine, login)
            check_password(new_password, login, _clinic_name(engine))
        except BaseException:
            engine.dispose()
            raise
    except BaseException:
        lock.release()
        raise
    slots.put(keyslots.wrap(slots.vault_id, "password", login, new_password, key))
    slots.save(paths.key_slots)
    SignInLog.load(paths.sign_ins).clear("recovery")
    desk = Desk(paths=paths, engine=engine, key=key, vault_id=slots.vault_id, user=user, lock=lock)
    with desk.writing(None) as tx:
        tx.audit("user.password.recovered", entity="user", entity_id=user.id)
    _finish_sign_in(desk)
    return desk


def _clinic_name(engine: Engine) -> str:
    """The clinic's name (a word a new password must not lean on), once the vault is open."""
    from careDesk.model.security import Setting

    with Session(engine) as session:
        row = session.get(Setting, "clinic.name")
    return row.value if row is not None else ""


# ----- remember on this workstation -----------------------------------------------------------
def keyring_available() -> bool:
    """Whether the OS offers a keyring backend (headless Linux often has none)."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    try:
        backend: Any = keyring.get_keyring()
    except Exception:  # a broken backend counts as none
        return False
    return not isinstance(backend, FailKeyring) and backend.priority > 0


def _keyring_name(vault_id: str, login: str) -> str:
    return f"{vault_id}:{login}"


def remember_on_workstation(desk: Desk) -> bool:
    """Keep a secret in the OS keyring that unlocks this vault for this user; False if none."""
    if not keyring_available():
        return False
    import base64

    import keyring

    secret = os.urandom(32)
    slots = KeySlotFile.load(desk.paths.key_slots)
    slots.put(keyslots.wrap(desk.vault_id, "remember", desk.user.login, secret, desk.key))
    keyring.set_password(
        KEYRING_SERVICE,
        _keyring_name(desk.vault_id, desk.user.login),
        base64.b64encode(secret).decode("ascii"),
    )
    slots.save(desk.paths.key_slots)
    with desk.writing(None) as tx:
        tx.audit("workstation.remember")
    return True


def remembered_secret(paths: VaultPaths, login: str) -> bytes | None:
    """The remembered secret for ``login`` from the keyring, if any."""
    if not keyring_available() or not paths.key_slots.exists():
        return None
    import base64

    import keyring

    slots = KeySlotFile.load(paths.key_slots)
    if slots.find("remember", login) is None:
        return None
    stored = keyring.get_password(KEYRING_SERVICE, _keyring_name(slots.vault_id, login))
    return base64.b64decode(stored) if stored else None


def forget_workstation(desk: Desk) -> None:
    """Remove the remembered secret for the signed-in user."""
    slots = KeySlotFile.load(desk.paths.key_slots)
    slots.remove("remember", desk.user.login)
    slots.save(desk.paths.key_slots)
    if keyring_available():
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(KEYRING_SERVICE, _keyring_name(desk.vault_id, desk.user.login))
    with desk.writing(None) as tx:
        tx.audit("workstation.forget")


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
        secret = keyslots.recovery_secret(recovery_key)
        key = _unwrap_key(paths, slots, RECOVERY_LOGIN, secret, "recovery", clock)
    else:
        key = _unwrap_key(paths, slots, login, password, "password", clock)
    return key, slots.vault_id


def unlock_with_recovery_key(
    paths: VaultPaths, recovery_key: str, *, clock: Clock = time.time
) -> Desk:
    """Open the vault with the recovery key, acting as the clinic's admin (the key's holder
    can already reset any password); audited as "recovery". Restore uses it when no admin
    password is at hand."""
    _check_files(paths)
    lock = _take_lock(paths)
    try:
        key, vault_id = unwrap_database_key(paths, "", recovery_key=recovery_key, clock=clock)
        engine = _open_engine(paths, key, readonly=False)
    except BaseException:
        lock.release()
        raise
    user = CurrentUser(RECOVERY_LOGIN, RECOVERY_LOGIN, "Recovery key", Role.ADMIN)
    desk = Desk(paths=paths, engine=engine, key=key, vault_id=vault_id, user=user, lock=lock)
    _finish_sign_in(desk)
    return desk
