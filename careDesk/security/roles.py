"""Roles and what each may do, enforced in the core (the UI only hides what is refused here)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CLINICIAN = "clinician"
    READ_ONLY = "read-only"


class Permission(StrEnum):
    READ = "read patient records"
    EDIT = "change patient records"
    EXPORT = "export records"
    PRINT = "print handouts"
    MESSAGE = "send messages to patients"
    ADMIN = "manage users, settings and backups"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COORDINATOR: frozenset(
        {Permission.READ, Permission.EDIT, Permission.EXPORT, Permission.PRINT, Permission.MESSAGE}
    ),
    Role.CLINICIAN: frozenset(
        {Permission.READ, Permission.EDIT, Permission.EXPORT, Permission.PRINT}
    ),
    Role.READ_ONLY: frozenset({Permission.READ}),
}


def parse_role(text: str) -> Role:
    """The role named ``text`` ("readonly" and "read_only" accepted for "read-only")."""
    cleaned = text.strip().lower().replace("_", "-")
    if cleaned == "readonly":
        cleaned = "read-only"
    return Role(cleaned)


def allows(role: str, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in _GRANTS.get(parse_role(role), frozenset())
