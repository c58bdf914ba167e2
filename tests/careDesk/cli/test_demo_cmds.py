"""``caredesk demo`` as an admin would run it: a new vault, then more patients in it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from careDesk.cli.main import main
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock

Cli = Callable[..., tuple[int, str, str]]

PASSWORD = "heron lantern seventy 4"
DEMO = ("--user", "boss", "demo", "--patients", "30", "--seed", "3", "--today", "2026-03-10")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fast_kdf: None) -> Cli:
    """``cli(*args) -> (exit code, stdout, stderr)`` with the password in the environment."""
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _patients(paths: VaultPaths, login: str = "boss") -> int:
    desk = unlock(paths, login, PASSWORD, readonly=True)
    try:
        with desk.reading() as s:
            return int(s.execute(text("SELECT count(*) FROM patient")).scalar_one())
    finally:
        desk.close()


def test_demo_creates_a_vault_and_fills_it(cli: Cli, vault_paths: VaultPaths) -> None:
    code, out, err = cli(*DEMO)
    assert code == 0, err
    assert "Created the vault" in out and "Recovery key" in out
    assert "Made 30 patients (DM0000001–DM0000030) with seed 3" in out
    assert "maria.lopez" in out
    assert vault_paths.exists()
    assert _patients(vault_paths) == 30
    # The demo coordinators sign in with the same password.
    assert _patients(vault_paths, "maria.lopez") == 30


def test_demo_on_an_existing_vault_adds_patients(cli: Cli, vault_paths: VaultPaths) -> None:
    assert cli(*DEMO)[0] == 0
    code, out, err = cli(*DEMO)
    assert code == 0, err
    assert "Created the vault" not in out and "Recovery key" not in out
    assert "(DM0000031–DM0000060)" in out
    assert _patients(vault_paths) == 60


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--patients", "0"), "--patients"),
        (("--today", "10/03/2026"), "--today"),
    ],
)
def test_bad_options_are_named_and_create_nothing(
    cli: Cli, vault_paths: VaultPaths, args: tuple[str, ...], field: str
) -> None:
    code, _out, err = cli("--user", "boss", "demo", *args)
    assert code == 1
    assert err.startswith(f"caredesk: {field}:") and err.count("\n") == 1
    assert not vault_paths.exists()


def test_demo_needs_to_know_who_signs_in(cli: Cli, vault_paths: VaultPaths) -> None:
    code, _out, err = cli("demo", "--patients", "5")
    assert code == 1 and "--user" in err
    assert not vault_paths.exists()


def test_on_a_terminal_the_progress_line_rewrites_itself_and_ends(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress goes to stderr as one line that returns to its start at each step (a real
    carriage return, not the escaped one stored text would get) and ends before the report."""
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = cli(*DEMO)
    assert code == 0, err
    assert "\\u000d" not in err
    steps = [s.rstrip() for s in err.split("\r") if s]
    assert steps and all(s.startswith("  ") for s in steps)
    assert any(s.endswith(": 30 of 30") for s in steps), steps
    assert err.endswith("\n")
    assert "Made 30 patients" in out
