"""``caredesk … | head``: a reader that closes the pipe early is ordinary use, not a crash.

Each command runs as a real process whose stdout is a pipe; the test closes its end (as ``head``
does once it has its lines) and expects a quiet exit (0 or 141, as a shell reports SIGPIPE),
nothing on stderr and no crash report beside the vault or in the user's log folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from careDesk.cli.main import main

PASSWORD = "heron lantern seventy 4"
REPO = Path(__file__).resolve().parents[3]
LISTINGS = [
    ["patients", "--json"],
    ["patients"],
    ["worklist", "--json"],
    ["reminders", "--json"],
    ["audit", "--json"],
    ["templates", "--json"],
    ["outbox", "--json"],
    ["--help"],
]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREDESK_", "XDG_"))}
    env.update(CAREDESK_PASSWORD=PASSWORD, HOME=str(home), PYTHONPATH=str(REPO))
    return env


def _crash_reports(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("crash-*.txt")]


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_kdf: None) -> tuple[Path, Path]:
    """A demo clinic of 150 patients (data folder) and an empty home folder for the commands."""
    data, home = tmp_path / "vault", tmp_path / "home"
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    demo = ["--data-dir", str(data), "--user", "boss", "demo", "--patients", "150", "--seed", "3"]
    assert main([*demo, "--today", "2026-03-10"]) == 0
    return data, home


def test_every_listing_exits_quietly_when_its_reader_leaves(clinic: tuple[Path, Path]) -> None:
    data, home = clinic
    head = ["--data-dir", str(data), "--user", "boss"]
    for command in LISTINGS:
        with subprocess.Popen(
            [sys.executable, "-m", "careDesk", *head, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(home),
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.close()  # the reader is gone before the first line is written
            err = proc.stderr.read().decode()
            assert proc.wait(timeout=120) in (0, 141), (command, err)
        assert err == "", command
    assert _crash_reports(data, home) == []


def test_head_after_the_first_bytes_of_a_long_listing(clinic: tuple[Path, Path]) -> None:
    """``caredesk reminders --json | head -c 10``, with far more output than a pipe buffers."""
    data, home = clinic
    shell = (
        f"{sys.executable} -m careDesk --data-dir '{data}' --user boss reminders --json"
        ' | head -c 10; echo " status=${PIPESTATUS[0]}"'
    )
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, env=_env(home), timeout=120
    )
    assert done.stdout.startswith("[\n  {")
    assert done.stdout.rstrip().endswith("status=141")  # the listing is longer than a pipe holds
    assert done.stderr == ""
    assert _crash_reports(data, home) == []
