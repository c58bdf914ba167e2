"""The command line under issue 16's rules: secrets for admins only, strong passwords, https."""

from __future__ import annotations

import pytest

from careDesk.cli.main import main
from careDesk.paths import VaultPaths
from tests.careDesk.cli.test_vault_cmds import ADMIN_PW, KIM_PW, Cli, _one_line

ADMIN = {"CAREDESK_USER": "boss", "CAREDESK_PASSWORD": ADMIN_PW}
KIM = {"CAREDESK_USER": "kim", "CAREDESK_PASSWORD": KIM_PW}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fast_kdf: None) -> Cli:
    """``cli(*args, **env) -> (exit code, stdout, stderr)`` on a vault whose admin is boss."""

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--admin", "boss", CAREDESK_PASSWORD=ADMIN_PW)[0] == 0
    return run


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
