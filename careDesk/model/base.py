"""What every clinical row carries so it can later replicate between workstations.

DESIGN §3: a UUID key in time order (UUIDv7, RFC 9562 §5.7), ``created_at``/``updated_at`` in
UTC, the user who changed it, a ``version`` bumped on each change, and a tombstone
(``deleted_at``) instead of a ``DELETE``.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def new_id() -> str:
    """A UUIDv7 string: 48-bit Unix milliseconds, then random bits (RFC 9562 §5.7)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (how every timestamp is stored)."""
    return datetime.now(UTC)


class Record(SQLModel):
    """Sync-ready columns shared by every clinical table."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    changed_by: str | None = Field(default=None, max_length=36)
    version: int = Field(default=1)
    deleted_at: datetime | None = Field(default=None)
