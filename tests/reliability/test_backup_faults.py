"""A failed or interrupted backup leaves the previous backup intact.

See docs/architecture.md#reliability-promises.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from careDesk.desk import Desk
from careDesk.errors import NotEnoughSpace
from careDesk.paths import VaultPaths
from careDesk.store.backup import verify_backup
from tests.careDesk.store.files import add_patients, run_module
from tests.conftest import ADMIN, PASSWORD


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_to_a_full_device_fails_cleanly(desk: Desk, vault_paths: VaultPaths) -> None:
    add_patients(desk, 30)
    previous = desk.backups.make().path
    digest = _digest(previous)
    with pytest.raises(NotEnoughSpace, match="Not enough disk space to write /dev/full"):
        desk.backups.make(Path("/dev/full"))
    assert _digest(previous) == digest
    verify_backup(previous)
    assert desk.backups.last_result()[0] == "backup.failed"  # type: ignore[index]
    assert list(previous.parent.iterdir()) == [previous]  # no partial file left behind
    assert not (vault_paths.root / ".staging").exists() or not any(
        (vault_paths.root / ".staging").iterdir()
    )


@pytest.mark.parametrize(
    ("limit", "stage"),
    [("half", "OperationalError"), ("archive", "OSError")],  # copying the vault / the archive
)
def test_interrupted_backup_leaves_the_previous_one_intact(
    desk: Desk, vault_paths: VaultPaths, tmp_path: Path, limit: str, stage: str
) -> None:
    add_patients(desk, 200)
    target = tmp_path / "nightly.cdbak"
    desk.backups.make(target)
    add_patients(desk, 1, prefix="LATER")
    desk.close()
    digest = _digest(target)
    if limit == "half":
        limit = str(target.stat().st_size // 2)

    child = run_module(
        "tests.reliability.backup_writer",
        str(vault_paths.root),
        str(target),
        limit,
        env={"CAREDESK_USER": ADMIN, "CAREDESK_PASSWORD": PASSWORD},
    )
    out, err = child.communicate(timeout=60)
    assert child.returncode == 1, (out, err)
    assert out.startswith(f"NotEnoughSpace ({stage}): Not enough disk space to write"), out
    assert "Traceback" not in err
    assert _digest(target) == digest
    verify_backup(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith("cdbak")) == [
        "nightly.cdbak"
    ]
