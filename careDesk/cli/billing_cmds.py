"""``caredesk billing --month YYYY-MM [--category CAT] [--csv FILE | --json]``: each patient's
care-management minutes in one calendar month by billing category, the CPT codes they support
and the next threshold (patients a few minutes short are marked ``near``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careDesk.care.billing_codes import CATEGORIES
from careDesk.care.verb_kit import local_today
from careDesk.cli.ccm_cmds import parse_month
from careDesk.cli.context import Context
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow


def register(sub: Any) -> None:
    """Add the ``billing`` command."""
    p = sub.add_parser("billing", help="minutes per patient, month and billing category")
    p.add_argument("--month", help="the calendar month, YYYY-MM (default: this month)")
    choices = ", ".join(c.key.value for c in CATEGORIES)
    p.add_argument("--category", help=f"only one category: {choices}")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="write the rows to a CSV file (audited)")
    out.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_billing)


def cmd_billing(ctx: Context) -> int:
    """Print, or write as CSV, the month's minutes and codes."""
    args = ctx.args
    first = parse_month(args.month, "--month") if args.month else local_today(utcnow())
    if args.csv:
        target = Path(args.csv)
        if not target.parent.is_dir():
            raise ValidationFailed("--csv", "the folder to write into does not exist")
        count = ctx.desk().billing.export_csv(target, first.year, first.month, args.category)
        print(f"Wrote {count} rows to {target}.")
        return 0
    rows = ctx.desk(readonly=True).billing.month(first.year, first.month, args.category)
    if args.json:
        ctx.emit_json([r.as_json() for r in rows])
        return 0
    if not rows:
        print(f"No care-management minutes logged in {first:%Y-%m}.")
        return 0
    print(f"{'patient':<28} {'category':<12} {'min':>4}  {'codes':<20} next")
    for r in rows:
        step = r.next_step
        upcoming = "-" if step is None else f"{step.code} at {step.at} ({step.short} to go)"
        mark = "  near" if r.near else ""
        print(f"{r.name[:28]:<28} {r.category:<12} {r.minutes:>4}  {r.code_text() or '-':<20} "
              f"{upcoming}{mark}")  # fmt: skip
        for why in r.missing:
            print(f"{'':>4}- missing: {why}")
    return 0
