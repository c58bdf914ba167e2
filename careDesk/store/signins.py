"""Failed sign-ins, kept beside the vault so the back-off works before the database opens.

The counters live in their own small file (``vault.signins``), not in the key-slot file: a
wrong password must never rewrite the key slots, and a read-only command that records a
failure must not race a writer that is adding a key slot. Failed attempts wait here (login,
time, reason; never a password) until the next successful sign-in writes them into the audit
trail. Deleting the file only resets the back-off, which anyone able to delete it could do to
the whole vault anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from careDesk.store.keyslots import write_atomic

FORMAT = 1
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300
MAX_PENDING = 200

Clock = Callable[[], float]


@dataclass
class SignInRecord:
    """Failed sign-in counters for one login."""

    failures: int = 0
    last_failure: float = 0.0


def backoff_seconds(record: SignInRecord, now: float) -> int:
    """Seconds a login must still wait: none for 3 failures, then 1, 2, 4 … up to 5 minutes."""
    if record.failures < FREE_ATTEMPTS:
        return 0
    delay = min(2 ** (record.failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS)
    remaining = record.last_failure + delay - now
    return max(0, int(remaining + 0.999))


@dataclass
class SignInLog:
    """The parsed ``vault.signins`` file."""

    path: Path
    records: dict[str, SignInRecord] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> SignInLog:
        """Read the file; a missing or unreadable one counts as no failures."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls(path)
            records = {
                str(k): SignInRecord(int(v["failures"]), float(v["last_failure"]))
                for k, v in data.get("logins", {}).items()
            }
            return cls(path, records, list(data.get("pending", [])))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    def save(self) -> None:
        """Rewrite the file atomically."""
        data = {
            "format": FORMAT,
            "logins": {
                k: {"failures": v.failures, "last_failure": v.last_failure}
                for k, v in self.records.items()
            },
            "pending": self.pending,
        }
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def wait_for(self, login: str, now: float) -> int:
        """Seconds ``login`` must wait before the next attempt (0 = may try now)."""
        return backoff_seconds(self.records.get(login, SignInRecord()), now)

    def record_failure(self, login: str, reason: str, now: float) -> None:
        """Count one failed attempt and keep it for the audit trail."""
        record = self.records.setdefault(login[:64], SignInRecord())
        record.failures += 1
        record.last_failure = now
        at = datetime.fromtimestamp(now, UTC).isoformat()
        self.pending.append({"at": at, "login": login[:64], "reason": reason})
        self.pending = self.pending[-MAX_PENDING:]
        self.save()

    def clear(self, login: str) -> None:
        """After a sign-in whose audit event holds ``pending``: reset back-off, drop pending."""
        if not self.pending and login not in self.records:
            return
        self.pending = []
        self.records.pop(login, None)
        self.save()
