"""Users, the audit trail and clinic settings."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from careDesk.model.base import Record, stable_id, utcnow


def user_id(login: str) -> str:
    """A person's id from their login: the same on every workstation of the clinic, so what is
    assigned to them (patients, follow-ups) is theirs wherever they sign in (issue 10)."""
    return stable_id("user", login)


class User(Record, table=True):
    """A person who signs in. The password itself lives only as a key slot."""

    __tablename__ = "user_account"

    login: str = Field(index=True, unique=True, max_length=64)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    disabled: bool = Field(default=False)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class AuditEvent(SQLModel, table=True):
    """One append-only, hash-chained event, signed by the acting user's key (``signed_by`` names
    the key, ``signature`` is Ed25519 over the vault id and ``hash``; both empty for events from
    before signatures). Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_login: str = Field(max_length=64, index=True)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(default="", max_length=40)
    entity_id: str = Field(default="", max_length=36)
    patient_id: str | None = Field(default=None, max_length=36, index=True)
    detail: str = Field(default="{}")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    signed_by: str = Field(default="", max_length=32)
    signature: str = Field(default="", max_length=88)


class Setting(SQLModel, table=True):
    """A clinic setting (declared once in ``careDesk.settings``); secrets stay encrypted here."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=80)
    value: str = Field(default="")
    updated_at: datetime = Field(default_factory=utcnow)
    changed_by: str | None = Field(default=None, max_length=36)
