"""Referral commands: ``caredesk referrals [--late] [--mine] [--json]``, the open-referrals
work queue (late first, then by expected-by day)."""

from __future__ import annotations

from typing import Any

from careDesk.care.referral_queue import QueueRow, Scope, describe
from careDesk.cli.context import Context


def register(sub: Any) -> None:
    """Add the ``referrals`` command."""
    p = sub.add_parser("referrals", help="open referrals, the most late first")
    p.add_argument("--late", action="store_true", help="only those past their expected-by day")
    p.add_argument(
        "--mine", action="store_true", help="only the patients you coordinate (default: clinic)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_referrals)


def _json(row: QueueRow) -> dict[str, Any]:
    ref = row.referral
    return {
        "id": ref.id,
        "patient_id": row.patient_id,
        "patient": row.patient_name,
        "mrn": row.mrn,
        "to": ref.to_name,
        "urgency": ref.urgency,
        "state": ref.state,
        "next": row.next,
        "expected_by": ref.due_by.isoformat(),
        "days_late": ref.days_late,
    }


def _line(row: QueueRow) -> str:
    ref = row.referral
    late = f"{ref.days_late}d late" if ref.days_late else ""
    state = ref.state.replace("_", " ")
    return f"{late:>9} {ref.due_by:%Y-%m-%d} {row.patient_name:<28} {ref.to_name:<28} {state}"


def cmd_referrals(ctx: Context) -> int:
    """Print the open referrals in work order and say whose they are."""
    args = ctx.args
    scope = Scope.MINE if args.mine else Scope.CLINIC
    rows = ctx.desk(readonly=True).referrals.queue(scope, late_only=args.late)
    if args.json:
        ctx.emit_json([_json(row) for row in rows])
        return 0
    print(describe(len(rows), scope, late_only=args.late) + ".")
    if rows:
        print(f"{'late':>9} {'expected':<10} {'patient':<28} {'to':<28} state")
        for row in rows:
            print(_line(row))
    return 0
