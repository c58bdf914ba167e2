"""The Sync page's words: progress, results, the background sync and conflicts, as a person at
the desk reads them (``ui.pages.sync``)."""

from __future__ import annotations

from careDesk.sync.conflict_words import DUPLICATE, theirs
from careDesk.sync.reports import STAGES, ConflictView, SyncReport


def stage_text(stage: str, done: int, total: int) -> str:
    """Progress in words, e.g. "Copying the clinic to this workstation 12,000 / 2,000,000"
    (``total`` 0: not known)."""
    return count_text(STAGES.get(stage, "Syncing"), done, total)


def count_text(message: str, done: int, total: int) -> str:
    """A sync's progress message (``careDesk/sync/reports.py``) with its counts."""
    if total:
        return f"{message} {done:,} / {total:,}"
    return f"{message} {done:,}" if done else message


def report_text(report: SyncReport) -> str:
    """One line on what a sync did."""
    line = (
        f"Sync finished: sent {report.pushed:,}, received {report.pulled:,}, "
        f"conflicts {report.conflicts:,}."
    )
    if report.snapshot_rows:
        line += f" Copied {report.snapshot_rows:,} records from the clinic."
    return line


def every_text(minutes: int, joined: bool) -> str:
    """The background sync in words (``sync.every_minutes``; 0: only by hand). ``joined``: the
    first sync has finished (the clock never starts or finishes one)."""
    if minutes <= 0:
        return "Syncs only when you press Sync now."
    every = "every minute" if minutes == 1 else f"every {minutes:,} minutes"
    after = "" if joined else " once its first sync has finished"
    return f"Syncs by itself {every} and soon after each edit{after}."


def theirs_tip(conflict: ConflictView) -> str:
    if conflict.kind == DUPLICATE:
        return "Both records are kept: open the chart to merge them or correct one MRN"
    return theirs(conflict)


# The chart tab that shows a record of each kind: "Open chart" lands where the conflict is.
CHART_TAB = {
    "medication": "clinical",
    "condition": "clinical",
    "allergy": "clinical",
    "care_plan": "plan",
    "problem": "plan",
    "goal": "plan",
    "goal_progress": "plan",
    "activity": "plan",
    "care_team_member": "team",
    "family_member": "story",
    "observation": "measures",
    "screener_result": "screeners",
    "encounter": "timeline",
    "timeline_entry": "timeline",
    "referral": "referrals",
}
