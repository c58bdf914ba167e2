"""Conflicts to review in words, as a person reads them on the Sync page and in
``caredesk sync --conflicts``."""

from __future__ import annotations

import json

from careDesk.sync.reports import ConflictView
from careDesk.words import field_name, say

# Whole-record conflicts (field "*"), in the words of the person at the desk.
WHOLE_RECORD = {
    "delete_edit": "deleted here, changed at another workstation",
    "edit_deleted": "changed here, deleted at another workstation",
    "missing": "changed here, not on the server",
}
# Two workstations registered one MRN while apart: ``mine`` is the MRN, ``theirs`` the other
# patient's id; both records are kept and a review follow-up asks a person to decide.
DUPLICATE = "duplicate"


def value_text(raw: str | None) -> str:
    """A conflict value (JSON text) as plain text; "(empty)" for none."""
    value = json.loads(raw) if raw else None
    if value is None or value == "":
        return "(empty)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def mine(conflict: ConflictView) -> str:
    return value_text(conflict.mine)


def theirs(conflict: ConflictView) -> str:
    if conflict.kind == DUPLICATE:  # the other patient's id means nothing to a person
        return "another patient's record"
    return value_text(conflict.theirs)


def record_text(conflict: ConflictView) -> str:
    """Which record: "medication: Metformin 500 mg oral tablet", or the kind alone."""
    kind = conflict.table.replace("_", " ")
    return f"{kind}: {conflict.record}" if conflict.record else kind


def field_text(conflict: ConflictView) -> str:
    if conflict.kind == DUPLICATE:
        return "MRN (same as another patient)"
    if conflict.field == "*":
        return WHOLE_RECORD.get(conflict.kind, say(conflict.kind))
    return field_name(conflict.field)
