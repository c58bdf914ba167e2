"""``caredesk handout PATIENT [--language es] [--large-print] -o OUT.pdf`` (see
docs/architecture.md#the-caredesk-command).

``caredesk handout PATIENT --caregiver NAME (--email | -o OUT.pdf)``: the caregiver's copy
(marked with their name), e-mailed through the outbox or written for printing; refused, naming
why, unless the patient agreed and the caregiver may be told everything (issue 20).

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
from careDesk.handouts.record import find_patient
from careDesk.handouts.render import write_pdf
from careDesk.schedule import caregivers


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
    p.add_argument("--caregiver", metavar="NAME", help="the copy for this caregiver (id or name)")
    p.add_argument(
        "--email", action="store_true", help="with --caregiver: e-mail the copy (the outbox)"
    )
    p.add_argument("-o", "--output", help="the PDF file to write")
    p.set_defaults(func=cmd_handout)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("--appointments", "give the day as YYYY-MM-DD") from None


def _caregiver_copy(ctx: Context, args: argparse.Namespace) -> bytes | None:
    """E-mail the caregiver's copy (None) or return it for ``--output``."""
    if not args.patient or args.appointments:
        raise ValidationFailed("caregiver", "name one patient with --caregiver")
    if bool(args.email) == bool(args.output):
        raise ValidationFailed("caregiver", "choose --email or -o FILE for the copy")
    desk = ctx.desk()
    with desk.reading() as session:
        patient = find_patient(session, args.patient)
        member = caregivers.find_member(session, patient.id, args.caregiver)
    if args.output:
        return caregivers.printed_handout_copy(desk, member.id, args.language)
    row = caregivers.email_handout_copy(desk, member.id, args.language)
    print(
        f"The caregiver's copy is in the outbox ({row.state}); 'caredesk outbox --send' sends it."
    )
    return None


def cmd_handout(ctx: Context) -> int:
    args: argparse.Namespace = ctx.args
    if args.email and not args.caregiver:
        raise ValidationFailed("email", "--email sends a caregiver's copy: add --caregiver NAME")
    if not args.output and not args.caregiver:
        raise ValidationFailed("output", "give the PDF file to write with -o FILE")
    if args.output:
        _folder(Path(args.output))
    if args.caregiver:
        copy = _caregiver_copy(ctx, args)
        if copy is not None:
            _write(Path(args.output), copy)
        return 0
    output = Path(args.output)
    if bool(args.patient) == bool(args.appointments):
        raise ValidationFailed("patient", "name one patient, or use --appointments DAY")
    handouts = ctx.desk().handouts
    if args.appointments:
        data = handouts.batch_for_appointments(_day(args.appointments))
    else:
        data = handouts.patient_handout(args.patient, args.language, args.large_print)
    _write(output, data)
    return 0


def _folder(output: Path) -> None:
    if not output.parent.is_dir():
        raise CareDeskError(f"the folder {output.parent} does not exist")


def _write(output: Path, data: bytes) -> None:
    try:
        write_pdf(output, data)
    except OSError as exc:
        raise CareDeskError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"Handout written to {output}.")
