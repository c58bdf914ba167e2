"""Care commands: ``caredesk worklist [--limit N] [--json]``."""

from __future__ import annotations

from typing import Any

from careDesk.care.worklist import WorklistRow
from careDesk.cli.context import Context


def register(sub: Any) -> None:
    """Add the ``worklist`` command."""
    p = sub.add_parser(
        "worklist", help="risk-ranked patients with reasons and due work (not discharged)"
    )
    p.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    p.add_argument("--offset", type=int, default=0, help="skip this many rows first")
    p.add_argument("--coordinator", help="only this coordinator's patients (user id)")
    p.add_argument("--status", help="candidate, enrolled or active")
    p.add_argument("--band", help="high, moderate or low")
    p.add_argument(
        "--filter",
        dest="quick",
        help="due, overdue, today, never_screened or not_improving (as Today's quick filters)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_worklist)


def _line(row: WorklistRow) -> str:
    due = f"  [{len(row.due)} due]" if row.due else ""
    reasons = "; ".join(row.reasons) or "-"
    return f"{row.priority:>6.1f} {row.band:<8} {row.name:<30} {reasons}{due}"


def cmd_worklist(ctx: Context) -> int:
    """Print the worklist, highest priority first."""
    args = ctx.args
    rows = ctx.desk(readonly=True).worklist.rows(
        limit=args.limit,
        offset=args.offset,
        coordinator_id=args.coordinator,
        status=args.status,
        band=args.band,
        quick=args.quick,
    )
    if args.json:
        ctx.emit_json([row.as_json() for row in rows])
        return 0
    if not rows:
        print("The worklist is empty.")
        return 0
    print(f"{'prio':>6} {'band':<8} {'patient':<30} reasons")
    for row in rows:
        print(_line(row))
        for item in row.due:
            flag = "OVERDUE " if item.overdue else ""
            print(f"{'':>16}- {flag}{item.title}")
    return 0
