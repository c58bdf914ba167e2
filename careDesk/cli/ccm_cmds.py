"""CCM billing commands: ``caredesk ccm [--month YYYY-MM | --from YYYY-MM --to YYYY-MM]
[--patient ID] [--json]`` lists the CPT codes each patient-month's minutes support and what is
missing for the others; ``caredesk ccm decision PATIENT LEVEL`` records a clinician's medical
decision making for the month (what complex CCM, CPT 99487, needs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from careDesk.care.ccm_rules import CcmMonth
from careDesk.care.verb_kit import local_today
from careDesk.cli.context import Context
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow


def register(sub: Any) -> None:
    """Add the ``ccm`` command and its ``decision`` action."""
    p = sub.add_parser("ccm", help="CCM codes (CPT 99490…99489) per patient and month")
    p.add_argument("--month", help="one calendar month, YYYY-MM (default: this month)")
    p.add_argument("--from", dest="first", help="first month, YYYY-MM")
    p.add_argument("--to", dest="last", help="last month, YYYY-MM")
    p.add_argument("--patient", help="only this patient (id)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_ccm)
    actions = p.add_subparsers(dest="ccm_command", metavar="ACTION")
    d = actions.add_parser("decision", help="record medical decision making (clinician role)")
    d.add_argument("patient_id")
    d.add_argument("level", help="straightforward, low, moderate or high")
    d.add_argument("--on", help="a day of the month it is for, YYYY-MM-DD (default: today)")
    d.add_argument("--note", help="why (kept on the patient's timeline)")
    d.set_defaults(func=cmd_decision)


def parse_month(text: str, option: str) -> date:
    """``YYYY-MM`` as the month's first day; a clear error naming the option otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValidationFailed(option, f"give a month as YYYY-MM, not {text!r}") from None


def _period(args: Any) -> tuple[date, date]:
    if args.month and (args.first or args.last):
        raise ValidationFailed("--month", "give --month or --from/--to, not both")
    if args.month:
        one = parse_month(args.month, "--month")
        return one, one
    today = local_today(utcnow()).replace(day=1)
    first = parse_month(args.first, "--from") if args.first else None
    last = parse_month(args.last, "--to") if args.last else None
    start, end = first or last or today, last or first or today
    if end < start:
        raise ValidationFailed("--to", "must not be before --from")
    return start, end


def _codes(row: CcmMonth) -> str:
    return ", ".join(c.code + (f" x{c.units}" if c.units > 1 else "") for c in row.codes) or "-"


def cmd_ccm(ctx: Context) -> int:
    """Print the codes each patient-month supports, with what is missing and why."""
    first, last = _period(ctx.args)
    desk = ctx.desk(readonly=True)
    rows = desk.ccm.months(first, last, ctx.args.patient)
    names = desk.patients.names(r.patient_id for r in rows)
    if ctx.args.json:
        ctx.emit_json([{**r.as_json(), "name": names.get(r.patient_id, "")} for r in rows])
        return 0
    if not rows:
        print("No care-management minutes logged in that period.")
        return 0
    print(f"{'month':<8} {'patient':<30} {'staff':>5} {'phys':>5}  codes")
    for r in rows:
        f = r.facts
        name = names.get(r.patient_id, r.patient_id)[:30]
        print(
            f"{r.month:<8} {name:<30} {f.staff_minutes:>5} {f.practitioner_minutes:>5}  {_codes(r)}"
        )
        for why in r.missing:
            print(f"{'':>16}- missing: {why}")
        for note in r.notes:
            print(f"{'':>16}- note: {note}")
    return 0


def cmd_decision(ctx: Context) -> int:
    """Record the month's medical decision making for one patient (clinician role only)."""
    args = ctx.args
    on = None
    if args.on:
        try:
            on = date.fromisoformat(args.on)
        except ValueError:
            raise ValidationFailed("--on", "give a day as YYYY-MM-DD") from None
    entry = ctx.desk().ccm.record_decision_making(args.patient_id, args.level, on, args.note)
    print(f"Recorded: {entry.value.summary} ({entry.value.at:%Y-%m-%d}).")
    return 0
