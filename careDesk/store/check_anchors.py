"""The anchors ``caredesk check`` can read: head file, backup manifests, clinic server.

Each one found goes to the audit-trail check; each place that could not be read is said in the
report's ``unverified`` lines (or as a problem, when what is there is damaged or foreign).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from careDesk.errors import CareDeskError
from careDesk.security.anchors import Anchor, AnchorDamaged, read_head

if TYPE_CHECKING:
    from careDesk.desk import Desk

BACKUP_SUFFIX = ".cdbak"


class _Report(Protocol):
    problems: list[str]
    unverified: list[str]


def gather(desk: Desk, report: _Report) -> list[Anchor]:
    """Every anchor of this vault that can be read now."""
    found = [*_head(desk, report), *_backups(desk, report), *_server(desk, report)]
    return found


def _head(desk: Desk, report: _Report) -> list[Anchor]:
    try:
        head = read_head(desk.paths.head)
    except AnchorDamaged as exc:
        report.problems.append(f"audit trail: {exc}")
        return []
    if head is None:
        report.unverified.append(
            "audit trail: the head file vault.head is missing (normal only just after a restore "
            "or an upgrade): the end of the trail is not checked against it"
        )
        return []
    if head.vault_id != desk.vault_id:
        report.problems.append("audit trail: the head file belongs to another vault")
        return []
    return [head]


def _backup_folders(desk: Desk) -> list[Path]:
    folders = [desk.paths.backups]
    try:
        configured = desk.backups.folder()
    except CareDeskError:
        configured = desk.paths.backups
    if configured.resolve() != desk.paths.backups.resolve():
        folders.append(configured)
    return folders


def _manifest_anchor(path: Path) -> dict[str, object] | None:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    head = manifest.get("audit_head") if isinstance(manifest, dict) else None
    return head if isinstance(head, dict) and head else None


def _backups(desk: Desk, report: _Report) -> list[Anchor]:
    folders = _backup_folders(desk)
    anchors: list[Anchor] = []
    for folder in folders:
        for path in sorted(folder.glob(f"*{BACKUP_SUFFIX}")) if folder.is_dir() else []:
            try:
                data = _manifest_anchor(path)
                anchor = Anchor.from_json(data, f"the backup {path.name}") if data else None
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, AnchorDamaged):
                report.unverified.append(
                    f"audit trail: the backup {path.name} cannot be read: not checked"
                )
                continue
            if anchor is not None and anchor.vault_id == desk.vault_id:
                anchors.append(anchor)
    if not anchors:
        where = " or ".join(str(f) for f in folders)
        report.unverified.append(
            f"audit trail: no backup of this vault with a recorded head in {where}: "
            "no backup anchor checked"
        )
    return anchors


def _server(desk: Desk, report: _Report) -> list[Anchor]:
    from careDesk.sync.anchor import fetch

    anchor, why = fetch(desk)
    if anchor is None:
        report.unverified.append(f"audit trail: {why}")
        return []
    if anchor.vault_id != desk.vault_id:
        report.problems.append("audit trail: the clinic server's anchor belongs to another vault")
        return []
    return [anchor]
