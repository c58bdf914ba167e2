"""The command line under issue 16's rules: secrets for admins only, strong passwords, https."""

from __future__ import annotations

from pathlib import Path

import pytest

from careDesk.paths import VaultPaths
from tests.careDesk.cli.test_vault_cmds import ADMIN_PW, KIM_PW, Cli, _one_line

ADMIN = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
KIM = {"CAREDESK_USER": "kim", "CAREDESK_PASSWORD": KIM_PW}


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """The command line on a vault whose admin is boss."""
    assert cli("init", "--admin", "boss", CAREDESK_PASSWORD=ADMIN_PW)[0] == 0
    return cli


def _with_coordinator(cli: Cli) -> None:
    code, _, err = cli("users", "add", "kim", "--role", "coordinator",
                       CAREDESK_NEW_PASSWORD=KIM_PW, **ADMIN)  # fmt: skip
    assert code == 0, err


def test_config_get_of_a_secret_is_refused_to_a_coordinator(
    cli: Cli, vault_paths: VaultPaths
) -> None:
    assert cli("config", "set", "smtp.password", "mail-secret-42", **ADMIN)[0] == 0
    _with_coordinator(cli)
    code, out, err = cli("config", "get", "smtp.password", **KIM)
    assert code == 1 and out == ""
    assert "smtp.password is a secret: only a clinic admin may read it" in _one_line(err)
    code, out, _ = cli("config", "get", **KIM)
    assert code == 0 and "smtp.password = (admins only)" in out and "mail-secret" not in out
    assert "clinic.name = " in out  # the rest is listed as before
    assert cli("config", "get", "smtp.password", **ADMIN)[1] == "(set)\n"


def test_users_add_refuses_a_guessable_password(cli: Cli) -> None:
    code, _, err = cli("users", "add", "kim", "--role", "clinician",
                       CAREDESK_NEW_PASSWORD="Password-2024", **ADMIN)  # fmt: skip
    assert code == 1 and "password: too easy to guess" in _one_line(err)
    assert "Password-2024" not in err
    assert "kim" not in cli("users", "list", **ADMIN)[1]


def test_config_set_refuses_plain_http_and_file_urls(cli: Cli) -> None:
    code, _, err = cli("config", "set", "sms.url", "http://gateway.example/send", **ADMIN)
    assert code == 1 and "sms.url: use https://" in _one_line(err)
    code, _, err = cli("config", "set", "sms.url", "file:///etc/passwd", **ADMIN)
    assert code == 1 and "sms.url: use an https:// web address" in _one_line(err)
    assert cli("config", "set", "sms.url", "https://gateway.example/send", **ADMIN)[0] == 0
    assert cli("config", "get", "sms.url", **ADMIN)[1] == "https://gateway.example/send\n"


def test_restore_from_the_command_line_needs_an_admin(
    cli: Cli, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    _with_coordinator(cli)
    archive = tmp_path / "clinic.cdbak"
    assert cli("backup", "-o", str(archive), **ADMIN)[0] == 0
    assert cli("config", "set", "clinic.name", "After Backup Clinic", **ADMIN)[0] == 0
    code, out, err = cli("restore", str(archive), **KIM)
    assert code == 1 and out == ""
    assert "coordinator) may not restore a backup" in _one_line(err)
    intruder = {"CAREDESK_USER": "intruder", "CAREDESK_PASSWORD": "guess guess guess 1"}
    code, _, err = cli("restore", str(archive), **intruder)
    assert code == 1 and "Wrong user name or password" in _one_line(err)
    assert cli("config", "get", "clinic.name", **ADMIN)[1] == "After Backup Clinic\n"
    assert not list(vault_paths.root.glob("before-restore-*"))

    code, out, _ = cli("restore", str(archive), **ADMIN)
    assert code == 0 and "The previous vault was kept in" in out
    assert cli("config", "get", "clinic.name", **ADMIN)[1] == "\n"


def test_restore_of_another_vault_says_how_to_insist(
    cli: Cli, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    other = str(tmp_path / "other")
    assert cli("--data-dir", other, "init", "--admin", "boss", CAREDESK_PASSWORD=ADMIN_PW)[0] == 0
    archive = tmp_path / "other.cdbak"
    assert cli("--data-dir", other, "backup", "-o", str(archive), **ADMIN)[0] == 0
    code, _, err = cli("restore", str(archive), **ADMIN)
    assert code == 1 and "different clinic vault" in _one_line(err)
    assert "--replace-with-other-vault" in err
    code, out, _ = cli("restore", str(archive), "--replace-with-other-vault", **ADMIN)
    assert code == 0 and "(a different vault, as asked)" in out


def test_restore_with_the_backups_own_password(
    cli: Cli, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    archive = tmp_path / "clinic.cdbak"
    assert cli("backup", "-o", str(archive), **ADMIN)[0] == 0
    new = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": "amber harbour violin 3"}
    code, _, err = cli("users", "passwd", "boss", CAREDESK_NEW_PASSWORD=new["CAREDESK_PASSWORD"],
                       **ADMIN)  # fmt: skip
    assert code == 0, err
    code, _, err = cli("restore", str(archive), **new)
    assert code == 1 and "--backup-user" in _one_line(err)
    old = tmp_path / "old-pw.txt"
    old.write_text(ADMIN_PW + "\n")
    code, _, err = cli("restore", str(archive), "--backup-user", "boss",
                         "--backup-password-file", str(old), **new)  # fmt: skip
    assert code == 0, err
    assert cli("check", **ADMIN)[0] == 0  # the backup's password opens the restored vault
