"""``caredesk templates [--json]`` and ``caredesk plan PATIENT --apply TEMPLATE``.

See docs/architecture.md#the-caredesk-command.
"""

from __future__ import annotations

from typing import Any

from careDesk.cli.context import Context


def register(sub: Any) -> None:
    """Add the ``templates`` and ``plan`` commands."""
    p = sub.add_parser("templates", help="care plan templates (id, title, conditions, languages)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_templates)
    p = sub.add_parser("plan", help="apply a care plan template to a patient's plan")
    p.add_argument("patient", help="patient id or MRN")
    p.add_argument(
        "--apply", required=True, metavar="TEMPLATE", help="template id (see: templates)"
    )
    p.set_defaults(func=cmd_plan)


def cmd_templates(ctx: Context) -> int:
    """List the templates: shipped ones, then the clinic's own."""
    rows = ctx.desk(readonly=True).templates.catalog()
    if ctx.args.json:
        ctx.emit_json([row.as_json() for row in rows])
        return 0
    print(f"{'id':<26} {'languages':<10} {'title':<46} conditions")
    for row in rows:
        owner = "" if row.shipped else f" [clinic v{row.version}]"
        conditions = ", ".join(row.conditions) or "-"
        languages = ",".join(row.languages)
        print(f"{row.id:<26} {languages:<10} {row.title + owner:<46} {conditions}")
    return 0


def cmd_plan(ctx: Context) -> int:
    """Apply a template as the app does: tailored, owners set, follow-ups scheduled, audited."""
    result = ctx.desk().templates.apply(ctx.args.patient, ctx.args.apply).value
    added = result.applied
    print(
        f"Applied {added.template_id}: {added.problems} problem(s), {added.goals} goal(s), "
        f"{added.activities} activit(y/ies), {len(added.follow_up_ids)} follow-up(s) scheduled."
    )
    for rule in result.rules:
        verdict = "applied" if rule.applies else "not applied"
        print(f"  rule {verdict}: {rule.rule} ({rule.source})")
    return 0
