"""Command-line fixtures: ``cli(*args, **env)`` runs ``main([...])`` with extra environment."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from careDesk.cli.main import main

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fast_kdf: None) -> Cli:
    """``cli(*args, **env) -> (exit code, stdout, stderr)`` through ``main([...])``."""

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
