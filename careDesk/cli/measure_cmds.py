"""Measurement-based care commands (issue 17):

``caredesk measures PATIENT [--json]``: each series (LOINC, name, unit, target, status, latest,
points), the linked goals' progress and the flags; ``caredesk registry depression|anxiety|
diabetes|hypertension [--outcome X] [--limit N] [--offset N] [--json]``: the treat-to-target
registry, not improving first.
"""

from __future__ import annotations

from typing import Any

from careDesk.care.measures.catalog import catalog
from careDesk.care.measures.flags import Flag
from careDesk.care.measures.progress import Progress, series_for
from careDesk.care.measures.registry import RegistryRow
from careDesk.care.measures.series import Point, Series
from careDesk.care.measures.service import MeasuresView
from careDesk.cli.context import Context


def register(sub: Any) -> None:
    """Add the ``measures`` and ``registry`` commands."""
    p = sub.add_parser("measures", help="a patient's measurements against their goals")
    p.add_argument("patient", metavar="PATIENT", help="careDesk id or MRN")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_measures)
    names = [r.key for r in catalog().registries]
    r = sub.add_parser("registry", help="a treat-to-target registry, not improving first")
    r.add_argument("registry", choices=names)
    r.add_argument("--outcome", help="only this outcome (e.g. 'not improving')")
    r.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    r.add_argument("--offset", type=int, default=0, help="skip this many rows first")
    r.add_argument("--json", action="store_true", help="machine-readable output")
    r.set_defaults(func=cmd_registry)


def _point(series: Series, p: Point) -> dict[str, Any]:
    return {
        "date": p.at.isoformat(),
        "value": p.value,
        "value2": p.value2,
        "text": series.format(p) if p.usable else None,
        "as_recorded": p.raw,
        "problem": p.problem,
    }


def _flag(f: Flag) -> dict[str, Any]:
    return {
        "key": f.key,
        "severity": f.severity,
        "date": f.at.isoformat(),
        "reason": f.reason,
        "source": f.source,
    }


def _goal(g: Progress) -> dict[str, Any]:
    return {
        "goal_id": g.goal_id,
        "description": g.description,
        "loinc": g.measure_loinc,
        "target": g.target,
        "status": g.status,
        "latest": g.latest_text,
        "latest_date": g.latest.at.date().isoformat() if g.latest else None,
        "baseline": g.baseline_text,
        "baseline_date": g.baseline.at.date().isoformat() if g.baseline else None,
    }


def series_json(view: MeasuresView) -> list[dict[str, Any]]:
    """One entry per series: loinc, display, unit, target, status, latest, points."""
    out = []
    for s in view.series:
        goal = next((g for g in view.progress if series_for(g.measure_loinc, [s]) is s), None)
        latest = s.latest()
        status = goal.status if goal else ("stale" if view.is_stale(s) else "current")
        out.append(
            {
                "loinc": s.loinc,
                "display": s.display,
                "unit": s.unit,
                "target": goal.target if goal else None,
                "status": status,
                "latest": _point(s, latest) if latest else None,
                "look_back_days": s.lookback_days,
                "points": [_point(s, p) for p in s.points],
            }
        )
    return out


def cmd_measures(ctx: Context) -> int:
    """Print a patient's series, goal progress and flags."""
    desk = ctx.desk(readonly=True)
    view = desk.measures.overview(desk.measures.patient_id(ctx.args.patient))
    if ctx.args.json:
        ctx.emit_json(
            {
                "patient_id": view.patient_id,
                "series": series_json(view),
                "goals": [_goal(g) for g in view.progress],
                "flags": [_flag(f) for f in view.flags],
            }
        )
        return 0
    if not view.series:
        print("No measurements recorded.")
    for s in view.series:
        latest = s.latest()
        when = f" on {latest.at:%Y-%m-%d}" if latest else ""
        shown = s.format(latest) if latest else "no usable value"
        stale = " (STALE: older than its look-back)" if view.is_stale(s) else ""
        print(f"{s.display:<28} {shown}{when}{stale}  [{len(s.points)} values, LOINC {s.loinc}]")
    for g in view.progress:
        print(f"Goal: {g.words()}")
    for f in view.flags:
        print(f"{f.severity.upper()}: {f.reason}")
    return 0


def _line(row: RegistryRow) -> str:
    base = (
        f"{row.baseline} ({row.baseline_at:%Y-%m-%d})" if row.baseline and row.baseline_at else "-"
    )
    last = f"{row.latest} ({row.latest_at:%Y-%m-%d})" if row.latest and row.latest_at else "-"
    weeks = "-" if row.weeks is None else str(row.weeks)
    change = "-" if row.change_percent is None else f"{row.change_percent:+.0f}%"
    overdue = " OVERDUE" if row.overdue else ""
    return f"{row.name:<28} {base:<22} {last:<22} {weeks:>5} {change:>6}  {row.outcome}{overdue}"


def cmd_registry(ctx: Context) -> int:
    """Print a registry page."""
    args = ctx.args
    measures = ctx.desk(readonly=True).measures
    rows = measures.registry(args.registry, args.limit, args.offset, outcome=args.outcome)
    if args.json:
        ctx.emit_json([row.as_json() for row in rows])
        return 0
    if not rows:
        print("Nobody in this registry (with these filters).")
        return 0
    print(f"{'patient':<28} {'baseline':<22} {'latest':<22} {'weeks':>5} {'change':>6}  outcome")
    for row in rows:
        print(_line(row))
    return 0
