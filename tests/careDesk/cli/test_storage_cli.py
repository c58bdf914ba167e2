"""The command line on a full disk or a busy vault: exit 1 with one line that names the folder,
no crash report, nothing imported (issue 18). How the conditions are made real is explained in
``tests/careDesk/store/test_storage_faults.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.pool import Pool

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import engine as engine_module
from careDesk.store.vault import unlock
from tests.careDesk.store.conditions import held, on_every_connection
from tests.conftest import ADMIN, PASSWORD

HEADER = "mrn,given_name,family_name,birth_date\n"


def _room_for_sign_in(dbapi: object, _record: object) -> None:
    """The disk fills up a few pages after sign-in: enough for the audit, not for an import."""
    pages = dbapi.execute("PRAGMA page_count").fetchone()[0]  # type: ignore[attr-defined]
    dbapi.execute(f"PRAGMA max_page_count = {pages + 8}")  # type: ignore[attr-defined]


@pytest.fixture
def closed(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The vault closed, the admin's password in the environment; returns the key."""
    key = desk.key
    desk.close()
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    return key


def _patients_and_actions(paths: VaultPaths) -> tuple[int, list[str]]:
    """How many patients the vault holds, and its audit actions, oldest first."""
    desk = unlock(paths, ADMIN, PASSWORD, readonly=True)  # a read-only desk writes nothing
    try:
        actions = [event.action for event in reversed(desk.audit_events())]
        return len(desk.patients.search("", limit=10_000)), actions
    finally:
        desk.close()


def _no_crash_reports(data_dir: Path) -> None:
    logs = data_dir / "logs"
    assert not logs.exists() or not list(logs.glob("crash-*"))


def test_import_on_a_full_disk_exits_1_with_one_line(
    closed: bytes,
    vault_paths: VaultPaths,
    tmp_path: Path,
    isolated_data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = "".join(f"F-{i},Given{i},Family{i},1950-01-{1 + i % 28:02d}\n" for i in range(1500))
    csv = tmp_path / "list.csv"
    csv.write_text(HEADER + rows, encoding="utf-8")
    with on_every_connection(Pool, _room_for_sign_in):
        status = main(["import", str(csv)])
    err = capsys.readouterr().err
    assert status == 1
    first = err.splitlines()[0]
    assert first.startswith(f"caredesk: The disk holding {vault_paths.root} is full"), err
    assert "Traceback" not in err and "unexpected" not in err
    _no_crash_reports(isolated_data_dir)
    patients, actions = _patients_and_actions(vault_paths)
    assert patients == 0  # nothing half-imported
    assert actions[actions.index("logout") + 1] == "login"  # the command had signed in
    assert "import.csv" not in " ".join(actions)


def test_a_busy_vault_exits_1_with_one_line(
    closed: bytes,
    vault_paths: VaultPaths,
    isolated_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    with held(vault_paths, closed):
        status = main(["config", "set", "clinic.name", "Busy clinic"])
    err = capsys.readouterr().err
    assert status == 1
    assert err == f"caredesk: The vault in {vault_paths.root} stayed busy with another task " + (
        "for 0.05 seconds, so careDesk saved nothing. Try again in a moment.\n"
    )
    _no_crash_reports(isolated_data_dir)
    assert main(["config", "set", "clinic.name", "Free clinic"]) == 0
