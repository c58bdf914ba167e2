"""Conflicts the clinic server reports back: kept for the review list, and for clinical records
a review follow-up ("clinical fields in conflict keep the server value", issue 10)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import col

from careDesk.model.schedule import FollowUp
from careDesk.model.sync import SyncConflict

if TYPE_CHECKING:
    from careDesk.desk import Tx

REVIEW_KIND = "sync_review"
REVIEW_TITLES = {
    # Two workstations registered one MRN while apart: both records stay until a person
    # merges them (the same patient) or corrects one (a typing slip).
    "duplicate": "Another patient has the same MRN: merge the records or correct one",
}


def record(tx: Tx, c: dict[str, Any]) -> None:
    """Keep a conflict the server reported (once), and for a clinical record raise a review
    follow-up, which reaches every workstation."""
    if tx.session.execute(
        select(col(SyncConflict.id)).where(SyncConflict.server_id == c["id"])
    ).first():
        return
    tx.session.add(
        SyncConflict(
            server_id=c["id"],
            table_name=c["table"],
            row_id=c["row_id"],
            patient_id=c.get("patient_id"),
            field=c["field"],
            kind=c["kind"],
            mine=json.dumps(c.get("mine")),
            theirs=json.dumps(c.get("theirs")),
            clinical=bool(c["clinical"]),
        )
    )
    if c["clinical"] and c.get("patient_id"):
        # A clinical field changed on two workstations: the server kept its value and a
        # person decides (issue 10). The task names no patient data.
        review = FollowUp(
            patient_id=c["patient_id"],
            kind=REVIEW_KIND,
            title=REVIEW_TITLES.get(c["kind"], "Review a change made on two workstations at once"),
            due_at=tx.now,
            urgent=False,
            origin="sync",
        )
        tx.add(review, kind="follow_up", patient_id=c["patient_id"])
