"""Vault commands: init, users, backup, restore, check, audit, config."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from careDesk.cli.context import Context
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from careDesk.settings import DECLARED
from careDesk.store.backup import verify_backup
from careDesk.store.check import check_vault
from careDesk.store.rekey import RotationResult
from careDesk.store.restore import Credentials, restore_vault
from careDesk.store.vault import create_vault


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a vault; prints the recovery key once")
    p.add_argument("--admin", required=True, help="login of the first admin")
    p.add_argument("--name", default="", help="the admin's full name")
    p.set_defaults(func=cmd_init)

    users = sub.add_parser("users", help="add, list, disable users or change passwords")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = usub.add_parser("add", help="add a user (password from CAREDESK_NEW_PASSWORD or prompt)")
    p.add_argument("login")
    p.add_argument("--role", required=True, help="admin, coordinator, clinician or read-only")
    p.add_argument("--name", default="")
    p.add_argument("--new-password-file", help="read the new user's password from this file")
    p.set_defaults(func=cmd_users_add)
    p = usub.add_parser("list", help="list users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users_list)
    p = usub.add_parser("disable", help="disable a user")
    p.add_argument("login")
    p.set_defaults(func=cmd_users_disable)
    p = usub.add_parser("enable", help="enable a disabled user with a new password")
    p.add_argument("login")
    p.add_argument("--new-password-file", help="read the new password from this file")
    p.set_defaults(func=cmd_users_enable)
    p = usub.add_parser("passwd", help="change a password (new one from CAREDESK_NEW_PASSWORD)")
    p.add_argument("login")
    p.add_argument("--new-password-file", help="read the new password from this file")
    p.set_defaults(func=cmd_users_passwd)
    p = usub.add_parser(
        "rotate-keys", help="re-encrypt under a new database key sealed to the active users"
    )
    p.set_defaults(func=cmd_users_rotate)
    p = usub.add_parser(
        "new-recovery-key", help="print a new recovery key; the old one stops working"
    )
    p.set_defaults(func=cmd_users_new_recovery)

    p = sub.add_parser("backup", help="write an encrypted backup")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore",
        help="restore a backup (admins; the current vault is kept aside)",
        description="Restore a backup over the vault. Only an admin of the current vault (or "
        "the recovery key) may; if the current vault cannot be read, the backup's own admin.",
    )
    p.add_argument("file")
    p.add_argument(
        "--recovery-key-file",
        help="sign in with the recovery key in this file (or CAREDESK_RECOVERY_KEY)",
    )
    p.add_argument("--backup-user", help="the backup's admin, if your password does not open it")
    p.add_argument("--backup-password-file", help="that admin's password (else prompt or "
                   "CAREDESK_BACKUP_PASSWORD)")  # fmt: skip
    p.add_argument("--backup-recovery-key-file", help="the recovery key valid for the backup")
    p.add_argument(
        "--replace-with-other-vault",
        action="store_true",
        help="allow a backup of a different vault to replace this one",
    )
    p.add_argument(
        "--accept-unsealed-backup",
        action="store_true",
        help="allow a backup from an older careDesk, whose changes cannot be detected",
    )
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("check", help="check the database, key slots and audit chain")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("audit", help="show the audit trail")
    p.add_argument("--patient", help="only events about this patient id")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    cfg = sub.add_parser("config", help="clinic settings")
    csub = cfg.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    p = csub.add_parser("get", help="show a setting (or all)")
    p.add_argument("key", nargs="?")
    p.set_defaults(func=cmd_config_get)
    p = csub.add_parser("set", help="change a setting")
    p.add_argument("key")
    p.add_argument("value")
    p.set_defaults(func=cmd_config_set)


def cmd_init(ctx: Context) -> int:
    args: argparse.Namespace = ctx.args
    password = ctx.password("New admin password: ")
    desk, recovery = create_vault(ctx.paths, args.admin, password, display_name=args.name)
    desk.close()
    print(f"Created the vault in {ctx.paths.root}.")
    print("Recovery key (shown once; print it and keep it locked away):")
    print(f"  {recovery}")
    return 0


def cmd_users_add(ctx: Context) -> int:
    desk = ctx.desk()
    new = ctx.new_password()
    info = desk.users.add(ctx.args.login, new, ctx.args.role, ctx.args.name)
    print(f"Added {info.login} ({info.role}).")
    return 0


def cmd_users_list(ctx: Context) -> int:
    users = ctx.desk(readonly=True).users.list()
    if ctx.args.json:
        ctx.emit_json([dataclasses.asdict(u) for u in users])
        return 0
    for u in users:
        state = " (disabled)" if u.disabled else ""
        print(f"{u.login:<20} {u.role:<12} {u.display_name}{state}")
    return 0


def _progress(done: int, total: int, what: str) -> None:
    """Rotation progress on stderr (stdout stays for results)."""
    share = f" {100 * done // total}%" if total else ""
    print(f"  {what}{share}", file=sys.stderr)


def _say_rotation(result: RotationResult | None) -> None:
    if result is None:
        return
    print(result.summary())
    for note in result.notes():
        print(note)
    if result.recovery_key:
        print("New recovery key (shown once; print it and keep it locked away):")
        print(f"  {result.recovery_key}")


def cmd_users_disable(ctx: Context) -> int:
    users = ctx.desk().users
    users.disable(ctx.args.login, progress=_progress)
    print(f"Disabled {ctx.args.login}.")
    _say_rotation(users.last_rotation)
    return 0


def cmd_users_rotate(ctx: Context) -> int:
    _say_rotation(ctx.desk().users.rotate_keys(progress=_progress))
    return 0


def cmd_users_new_recovery(ctx: Context) -> int:
    _say_rotation(ctx.desk().users.new_recovery_key(progress=_progress))
    return 0


def cmd_users_enable(ctx: Context) -> int:
    desk = ctx.desk()
    desk.users.enable(ctx.args.login, ctx.new_password())
    print(f"Enabled {ctx.args.login}.")
    return 0


def cmd_users_passwd(ctx: Context) -> int:
    desk = ctx.desk()
    desk.users.change_password(
        ctx.args.login, ctx.new_password(), ctx.password(), progress=_progress
    )
    print(f"Changed the password of {ctx.args.login}.")
    _say_rotation(desk.users.last_rotation)
    return 0


def cmd_backup(ctx: Context) -> int:
    info = ctx.desk().backups.make(Path(ctx.args.output))
    print(f"Backup written and verified: {info.path} ({info.size:,} bytes).")
    return 0


def _restore_credentials(ctx: Context) -> tuple[Credentials, Credentials | None]:
    args = ctx.args
    key = ctx.secret_file(args.recovery_key_file, "CAREDESK_RECOVERY_KEY")
    who = Credentials(recovery_key=key) if key else Credentials(ctx.login(), ctx.password())
    backup_key = ctx.secret_file(args.backup_recovery_key_file, "")
    if backup_key:
        return who, Credentials(recovery_key=backup_key)
    if args.backup_user:
        password = ctx.secret(
            args.backup_password_file,
            "CAREDESK_BACKUP_PASSWORD",
            "--backup-password-file",
            f"Password of {args.backup_user} in the backup: ",
        )
        return who, Credentials(args.backup_user, password)
    return who, None


def cmd_restore(ctx: Context) -> int:
    archive = Path(ctx.args.file)
    verify_backup(archive)  # a missing or broken file is reported before any password prompt
    who, backup_who = _restore_credentials(ctx)
    result = restore_vault(
        archive,
        ctx.paths,
        who,
        backup_who=backup_who,
        replace_with_other_vault=ctx.args.replace_with_other_vault,
        accept_unsealed=ctx.args.accept_unsealed_backup,
    )
    other = " (a different vault, as asked)" if result.other_vault else ""
    print(f"Restored {archive.name} into {ctx.paths.root}{other}.")
    if result.aside:
        print(f"The previous vault was kept in {result.aside}.")
    return 0


def cmd_check(ctx: Context) -> int:
    report = check_vault(ctx.desk(readonly=True))
    for line in report.ok:
        print(f"ok       {line}")
    for line in report.unverified:
        print(f"NOT CHECKED  {line}")
    for line in report.problems:
        print(f"PROBLEM  {line}")
    if not report.passed:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise CareDeskError(f"check failed: {report.problems[0]}{more}")
    return 0


def cmd_audit(ctx: Context) -> int:
    events = ctx.desk(readonly=True).audit_events(patient_id=ctx.args.patient, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.emit_json([e.model_dump() for e in events])
        return 0
    for e in events:
        target = f" {e.entity}:{e.entity_id}" if e.entity else ""
        print(f"{e.seq:>7} {e.at:%Y-%m-%d %H:%M:%S} {e.user_login:<16} {e.action}{target}")
    return 0


def cmd_config_get(ctx: Context) -> int:
    desk = ctx.desk(readonly=True)
    if ctx.args.key:  # one key: a secret asked for by a non-admin is refused (SecretRefused)
        print(desk.settings.display(ctx.args.key))
        return 0
    admin = desk.can(Permission.ADMIN)
    for key, decl in DECLARED.items():
        value = desk.settings.display(key) if admin or not decl.secret else "(admins only)"
        print(f"{key} = {value}")
    return 0


def cmd_config_set(ctx: Context) -> int:
    ctx.desk().settings.set(ctx.args.key, ctx.args.value)
    print(f"{ctx.args.key} set.")
    return 0
