"""What an import did to one file, and the error that rejects a file.

Reports and messages name places (file, resource, row, field), never patient data: values from
the file are not echoed back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from careDesk.errors import CareDeskError


class ImportRejected(CareDeskError):
    """A file (or one row of it) that cannot be imported, with where and why."""

    def __init__(self, file: str, where: str, field: str, reason: str) -> None:
        place = ": ".join(part for part in (file, where, field) if part)
        super().__init__(f"{place}: {reason}")
        self.file = file
        self.where = where
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    """One rejected resource or row."""

    where: str  # "Condition #12 (id abc)" or "row 5"
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    """The outcome for one file: counts per kind of record, what was skipped, and problems."""

    file: str
    format: str  # "fhir" or "csv"
    accepted: bool = True
    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # resource types not imported
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    patient_ids: list[str] = field(default_factory=list)

    def reject(self, problem: Problem) -> None:
        """Mark the file rejected because of ``problem`` (nothing from it is kept)."""
        self.accepted = False
        self.problems.append(problem)
        self.created.clear()
        self.updated.clear()
        self.unchanged.clear()

    def counts(self) -> dict[str, dict[str, int]]:
        """Plain counts (what the audit event keeps): no names, no values."""
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "skipped": dict(self.skipped),
            "rejected": {"problems": len(self.problems)},
        }

    def line(self) -> str:
        """One line for the command line and the import dialog."""
        if not self.accepted and not self.dry_run:
            first = self.problems[0] if self.problems else Problem("file", "", "rejected")
            more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            return f"{self.file}: REJECTED, nothing imported: {first}{more}"
        verb = "would create" if self.dry_run else "created"
        parts = [f"{verb} {_summary(self.created)}"]
        if self.updated:
            parts.append(
                f"{'would update' if self.dry_run else 'updated'} {_summary(self.updated)}"
            )
        if self.unchanged:
            parts.append(f"unchanged {sum(self.unchanged.values())}")
        if self.skipped:
            parts.append(f"skipped {_summary(self.skipped)}")
        if self.problems:
            parts.append(f"rejected {len(self.problems)} row(s), first: {self.problems[0]}")
            if self.dry_run and not self.accepted:
                parts.append("nothing would be imported unless rejected rows are skipped")
        return f"{self.file}: " + "; ".join(parts)


def _summary(counter: Counter[str]) -> str:
    if not counter:
        return "nothing"
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()))
