"""The ``caredesk`` vault commands, as an admin or a script would run them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from careDesk import __version__
from careDesk.paths import VaultPaths
from careDesk.store.vault import recover
from tests.careDesk.cli.conftest import Cli
from tests.careDesk.store.files import run_module

ADMIN_PW = "silver orchard compass 8"
KIM_PW = "violet kettle morning 7"


def _one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("caredesk: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def vault(cli: Cli, vault_paths: VaultPaths) -> VaultPaths:
    code, out, _ = cli("init", "--admin", "boss", "--name", "Pat Boss", CAREDESK_PASSWORD=ADMIN_PW)
    assert code == 0
    assert re.search(r"Recovery key .*\n  ([A-Z2-7]{4}-){7}[A-Z2-7]{4}\n", out)
    return vault_paths


def test_version(cli: Cli) -> None:
    code, out, _ = cli("--version")
    assert (code, out) == (0, f"careDesk {__version__}\n")


def test_init_twice_changes_nothing(cli: Cli, vault: VaultPaths) -> None:
    before = vault.key_slots.read_bytes()
    code, _, err = cli("init", "--admin", "other", CAREDESK_PASSWORD=ADMIN_PW)
    assert code == 1 and "already exists" in _one_line(err)
    assert vault.key_slots.read_bytes() == before


def test_users_add_list_disable_passwd(cli: Cli, vault: VaultPaths, tmp_path: Path) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    code, out, _ = cli(
        "users",
        "add",
        "kim",
        "--role",
        "coordinator",
        "--name",
        "Kim Lee",
        CAREDESK_NEW_PASSWORD=KIM_PW,
        **admin,
    )
    assert (code, out) == (0, "Added kim (coordinator).\n")
    code, out, _ = cli("users", "list", "--json", **admin)
    rows = json.loads(out)
    assert [(r["login"], r["role"], r["disabled"]) for r in rows] == [
        ("boss", "admin", False),
        ("kim", "coordinator", False),
    ]

    # The new user signs in with their own password (never the admin's).
    code, out, _ = cli("users", "list", CAREDESK_USER="kim", CAREDESK_PASSWORD=KIM_PW)
    assert code == 0 and "kim" in out

    code, out, _ = cli("users", "disable", "kim", **admin)
    assert code == 0 and out.splitlines()[:2] == [
        "Disabled kim.",
        "The database key was changed (generation 2); sealed to boss and the recovery key.",
    ]
    code, out, _ = cli("users", "list", **admin)
    assert "(disabled)" in out
    code, _, err = cli("users", "list", CAREDESK_USER="kim", CAREDESK_PASSWORD=KIM_PW)
    assert code == 1 and "Wrong user name or password" in _one_line(err)  # slot revoked
    assert cli("users", "enable", "kim", **admin, CAREDESK_NEW_PASSWORD=KIM_PW)[0] == 0

    new_pw = tmp_path / "new.txt"
    new_pw.write_text("amber harbour tulip 9\n")
    code, out, _ = cli("users", "passwd", "kim", "--new-password-file", str(new_pw), **admin)
    assert code == 0 and out.splitlines()[0] == "Changed the password of kim."
    code, _, err = cli("users", "list", CAREDESK_USER="kim", CAREDESK_PASSWORD=KIM_PW)
    assert code == 1 and "Wrong user name or password" in _one_line(err)
    assert (
        cli("users", "list", CAREDESK_USER="kim", CAREDESK_PASSWORD="amber harbour tulip 9")[0] == 0
    )


def test_rotate_keys_and_a_new_recovery_key(cli: Cli, vault: VaultPaths) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    cli("users", "add", "kim", "--role", "clinician", CAREDESK_NEW_PASSWORD=KIM_PW, **admin)
    code, out, err = cli("users", "rotate-keys", **admin)
    assert code == 0
    assert out == (
        "The database key was changed (generation 2); sealed to boss, kim and the recovery key.\n"
    )
    assert "Re-encrypting the records… 100%" in err  # progress goes to stderr
    code, out, _ = cli("users", "new-recovery-key", **admin)
    assert code == 0
    [new_key] = re.findall(r"^  ((?:[A-Z2-7]{4}-){7}[A-Z2-7]{4})$", out, re.MULTILINE)
    assert "A new recovery key replaces the old one, which no longer works." in out
    code, out, _ = cli("users", "rotate-keys", CAREDESK_USER="kim", CAREDESK_PASSWORD=KIM_PW)
    assert code == 1  # admins only
    code, out, _ = cli("check", **admin)
    assert code == 0 and "generation 3" in out
    recover(vault, new_key, "boss", "new lantern 12345").close()  # the printed key works


def test_weak_new_password_and_bad_role_are_refused(cli: Cli, vault: VaultPaths) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    code, _, err = cli(
        "users", "add", "kim", "--role", "coordinator", CAREDESK_NEW_PASSWORD="kim12345", **admin
    )
    assert code == 1 and "password: use at least 10 characters" in _one_line(err)
    code, _, err = cli(
        "users", "add", "kim", "--role", "boss", CAREDESK_NEW_PASSWORD=KIM_PW, **admin
    )
    assert code == 1 and "role: choose one of" in _one_line(err)


def test_password_file_signs_in(cli: Cli, vault: VaultPaths, tmp_path: Path) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(ADMIN_PW + "\n")
    code, out, _ = cli("--user", "boss", "--password-file", str(pw), "check")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "ok       database: encryption, integrity and references ok",
        "ok       key slots: 1 user(s) and the recovery key; the database key (generation 1) "
        "is sealed to each, and yours opens it",
        "ok       audit trail: 3 event(s), each signed by its user's key; chain intact",
    ]
    assert lines[3].startswith("ok       audit trail: extends the head file (event 3, written ")
    # What it could not check is said, not passed over.
    assert lines[4:] == [
        "NOT CHECKED  audit trail: no backup of this vault with a recorded head in "
        f"{vault.backups}: no backup anchor checked",
        "NOT CHECKED  audit trail: no sync server configured: server anchor not checked",
    ]
    code, _, err = cli("--user", "boss", "--password-file", str(tmp_path / "nope"), "check")
    assert code == 1 and "cannot read the password file" in _one_line(err)


def test_backup_and_restore(cli: Cli, vault: VaultPaths, tmp_path: Path) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    archive = tmp_path / "clinic.cdbak"
    code, out, _ = cli("backup", "-o", str(archive), **admin)
    assert code == 0 and out.startswith(f"Backup written and verified: {archive}")
    cli("config", "set", "clinic.name", "After Backup Clinic", **admin)
    code, out, _ = cli("restore", str(archive), **admin)
    assert code == 0 and "The previous vault was kept in" in out
    assert cli("config", "get", "clinic.name", **admin)[1] == "\n"  # as it was at backup time
    code, out, _ = cli("audit", "--json", **admin)
    assert json.loads(out)[1]["action"] == "backup.restore"

    code, _, err = cli("restore", str(tmp_path / "missing.cdbak"), **admin)
    assert code == 1 and "does not exist" in _one_line(err)
    code, _, err = cli("backup", "-o", "/dev/full", **admin)
    assert code == 1 and "Not enough disk space" in _one_line(err)


def test_audit_lists_events(cli: Cli, vault: VaultPaths) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    code, out, _ = cli("audit", **admin)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3  # newest first: logout, user.add, vault.create
    assert lines[-1].split()[-1] == "vault.create" and lines[-1].split()[3] == "boss"
    assert re.search(r"user\.add user_account:[0-9a-f-]{36}$", lines[-2])  # the table name
    code, out, _ = cli("audit", "--json", **admin)
    events = json.loads(out)
    assert [e["action"] for e in events][-2:] == ["user.add", "vault.create"]
    assert {"seq", "at", "user_login", "hash", "prev_hash"} <= events[0].keys()


def test_config_get_set_hides_secrets(cli: Cli, vault: VaultPaths) -> None:
    admin = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
    assert cli("config", "set", "smtp.password", "hunter2-mail-secret", **admin)[0] == 0
    assert cli("config", "set", "clinic.name", "Riverside Clinic", **admin)[0] == 0
    assert cli("config", "get", "smtp.password", **admin)[1] == "(set)\n"
    code, out, _ = cli("config", "get", **admin)
    assert "clinic.name = Riverside Clinic" in out and "smtp.password = (set)" in out
    assert "hunter2" not in out
    code, out, _ = cli("audit", "--json", **admin)
    assert "hunter2" not in out
    code, _, err = cli("config", "set", "smtp.port", "many", **admin)
    assert code == 1 and "smtp.port: must be a whole number" in _one_line(err)
    code, _, err = cli("config", "get", "no.such.key", **admin)
    assert code == 1 and "unknown setting" in _one_line(err)


@pytest.mark.parametrize(
    ("args", "env", "expected", "status"),
    [
        (
            ["check"],
            {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": "wrong password x"},
            "Wrong user name or password",
            1,
        ),
        (["check"], {"CAREDESK_USER": "boss"}, "no password: use --password-file", 1),
        (["users", "frobnicate"], {}, "invalid choice", 2),
        (["backup"], {}, "the following arguments are required: -o/--output", 2),
    ],
)
def test_failures_are_one_line(
    cli: Cli, vault: VaultPaths, args: list[str], env: dict[str, str], expected: str, status: int
) -> None:
    code, _out, err = cli(*args, **env)
    assert code == status
    assert expected in _one_line(err)


def test_no_vault_yet(cli: Cli, vault_paths: VaultPaths) -> None:
    code, _, err = cli("check", CAREDESK_USER="boss", CAREDESK_PASSWORD=ADMIN_PW)
    assert code == 1 and "No vault in" in _one_line(err) and "caredesk init" in err


def test_python_m_caredesk_in_a_subprocess(tmp_path: Path) -> None:
    data = tmp_path / "clinic"
    env = {"CAREDESK_PASSWORD": ADMIN_PW, "CAREDESK_USER": "boss"}
    init = run_module("careDesk", "--data-dir", str(data), "init", "--admin", "boss", env=env)
    out, err = init.communicate(timeout=120)
    assert init.returncode == 0, err
    assert "Recovery key" in out and err == ""
    check = run_module("careDesk", "--data-dir", str(data), "check", env=env)
    out, err = check.communicate(timeout=120)
    assert (
        check.returncode == 0
        and "audit trail: 3 event(s), each signed by its user's key; chain intact" in out
    ), err
    bad = run_module("careDesk", "--data-dir", str(data), "restore", str(tmp_path / "x"), env=env)
    out, err = bad.communicate(timeout=120)
    assert bad.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err and "does not exist" in err
