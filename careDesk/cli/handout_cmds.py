"""``caredesk handout PATIENT [--language es] [--large-print] -o OUT.pdf`` (see
docs/architecture.md#the-caredesk-command).

Also ``caredesk handout --appointments YYYY-MM-DD -o OUT.pdf``: one PDF with the handout of every
patient seen that day (batch printing for tomorrow's appointments).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from careDesk.cli.context import Context
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.handouts.render import write_pdf


def register(sub: Any) -> None:
    p = sub.add_parser("handout", help="print a patient's handout to a PDF file")
    p.add_argument("patient", nargs="?", help="patient id or MRN")
    p.add_argument("--language", help="language code (en, es, vi); default: the patient's")
    p.add_argument(
        "--large-print",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="16 pt print (default: as last printed for this patient)",
    )
    p.add_argument("--appointments", metavar="DAY", help="all patients seen on DAY (YYYY-MM-DD)")
    p.add_argument("-o", "--output", required=True, help="the PDF file to write")
    p.set_defaults(func=cmd_handout)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("--appointments", "give the day as YYYY-MM-DD") from None


def cmd_handout(ctx: Context) -> int:
    args: argparse.Namespace = ctx.args
    output = Path(args.output)
    if not output.parent.is_dir():
        raise CareDeskError(f"the folder {output.parent} does not exist")
    if bool(args.patient) == bool(args.appointments):
        raise ValidationFailed("patient", "name one patient, or use --appointments DAY")
    handouts = ctx.desk().handouts
    if args.appointments:
        data = handouts.batch_for_appointments(_day(args.appointments))
    else:
        data = handouts.patient_handout(args.patient, args.language, args.large_print)
    try:
        write_pdf(output, data)
    except OSError as exc:
        raise CareDeskError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"Handout written to {output}.")
    return 0
