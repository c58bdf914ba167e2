"""Local sync bookkeeping (issue 10): the outbox of edits not yet on the clinic server, the
workstation's sync state, and conflicts reported back by the server for review.

None of these derive from ``Record``: they describe this workstation only and never replicate.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from careDesk.model.base import new_id, utcnow


class SyncOutbox(SQLModel, table=True):
    """One captured edit, written in the same local transaction as the edit itself."""

    __tablename__ = "sync_outbox"

    seq: int | None = Field(default=None, primary_key=True)  # send order
    mutation_id: str = Field(default_factory=new_id, max_length=36, unique=True)
    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=36, index=True)
    op: str = Field(max_length=10)  # insert, update, delete
    base_version: int | None = None  # the row's version before this edit
    fields: str  # JSON {"field": [old, new]}
    created_at: datetime = Field(default_factory=utcnow)


class SyncState(SQLModel, table=True):
    """This workstation's place in the clinic's change stream (one row, id 1)."""

    __tablename__ = "sync_state"

    id: int = Field(default=1, primary_key=True)
    client_id: str = Field(default_factory=new_id, max_length=36)
    cursor_txid: int = 0  # server transaction id (xid8) of the last change applied
    cursor_seq: int = 0  # server sequence within that transaction
    bootstrapped: bool = False
    last_sync_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)
    schema_version: int = 1


class SyncConflict(SQLModel, table=True):
    """A field the server kept its own value for, shown in the conflicts list for review."""

    __tablename__ = "sync_conflict"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    server_id: int = Field(index=True, unique=True)
    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=36)
    patient_id: str | None = Field(default=None, max_length=36)
    field: str = Field(max_length=60)
    kind: str = Field(max_length=30)  # field, delete_edit, edit_deleted, missing, insert
    mine: str | None = None  # JSON of the value this workstation wanted
    theirs: str | None = None  # JSON of the value the server kept
    clinical: bool = False
    at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
