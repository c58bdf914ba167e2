"""Patient commands: ``caredesk patients [--search TEXT] [--json]`` and ``patients show ID``."""

from __future__ import annotations

import dataclasses
from typing import Any

from careDesk.care.search import PatientRow
from careDesk.cli.context import Context


def register(sub: Any) -> None:
    """Add the ``patients`` command and its ``show`` action."""
    p = sub.add_parser("patients", help="list or search patients; 'patients show ID' for one")
    p.add_argument("--search", default="", help="name prefix, MRN, phone or birth date")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_patients)
    actions = p.add_subparsers(dest="patients_command", metavar="ACTION")
    show = actions.add_parser("show", help="one patient's chart (the chart open is audited)")
    show.add_argument("patient_id")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=cmd_show)


def _line(row: PatientRow) -> str:
    coordinator = row.coordinator or "-"
    band = row.risk_band or "-"
    return (
        f"{row.mrn:<14} {row.name:<32} {row.birth_date.isoformat()} {row.age:>3}  "
        f"{row.status:<12} {band:<9} {coordinator}"
    )


def cmd_patients(ctx: Context) -> int:
    """List patients matching ``--search`` (all, by name, when empty)."""
    rows = ctx.desk(readonly=True).patients.search(ctx.args.search, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.emit_json([dataclasses.asdict(row) for row in rows])
        return 0
    if not rows:
        print("No patients found.")
        return 0
    print(
        f"{'MRN':<14} {'Name':<32} {'Born':<10} {'Age':>3}  {'Status':<12} {'Risk':<9} Coordinator"
    )
    for row in rows:
        print(_line(row))
    return 0


def cmd_show(ctx: Context) -> int:
    """Show one patient's chart summary and its coordination findings (duplicate tests or
    visits, shared ingredients, conflicting doses); writes a ``chart.open`` audit event."""
    desk = ctx.desk()
    chart = desk.patients.chart(ctx.args.patient_id)
    findings = desk.coordination.warnings(chart.patient.id)
    if ctx.args.json:
        ctx.emit_json(
            {**chart.as_dict(), "coordination": [dataclasses.asdict(w) for w in findings]}
        )
        return 0
    p = chart.patient
    print(f"{p.name}  MRN {p.mrn}  born {p.birth_date.isoformat()} (age {p.age})")
    print(f"Status: {p.status}   Coordinator: {p.coordinator_name or '-'}   Language: {p.language}")
    if chart.risk is not None:
        print(f"Risk: {chart.risk.band} (priority {chart.risk.priority:g})")
    sections: list[tuple[str, list[str]]] = [
        (
            "Conditions",
            [f"{c.display} [{c.icd10 or c.snomed or '-'}] {c.status}" for c in chart.conditions],
        ),
        ("Medications", [f"{m.name} {m.dose or ''} {m.status}".strip() for m in chart.medications]),
        ("Allergies", [a.substance for a in chart.allergies]),
        ("Family", [f"{f.name} ({f.relationship})" for f in chart.family]),
    ]
    for title, lines in sections:
        print(f"{title}: {len(lines)}")
        for text in lines:
            print(f"  {text}")
    print(f"Timeline entries: {chart.timeline_count}")
    print(f"Coordination: {len(findings)}")
    for finding in findings:
        print(f"  {finding.kind}: {finding.message}")
    return 0
