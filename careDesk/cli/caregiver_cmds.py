"""``caredesk consent`` and ``caredesk caregivers`` (issue 20).

``caredesk consent PATIENT [--whatsapp | --no-whatsapp] [--sms | --no-sms] …`` records the
patient's consent per channel (audited as ``patient.consent``) and prints what is on file.

``caredesk caregivers PATIENT [--json]`` lists the patient's family with what each may be told
and gets from the clinic; ``caredesk caregivers PATIENT NAME [--patient-agrees | --no-patient-
agrees] [--sms | --no-sms] [--email | --no-email] [--whatsapp | --no-whatsapp] [--prefer
CHANNEL] [--may-be-told WHAT] [--language CODE]`` changes one person's messaging settings
(NAME: their id, name or the start of it). A channel is refused unless the patient agreed.
"""

from __future__ import annotations

import argparse
from typing import Any

from careDesk.cli.context import Context
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.handouts.record import find_patient
from careDesk.model.patient import MAY_BE_TOLD, MEMBER_CHANNELS, FamilyMember, Patient
from careDesk.schedule import caregivers

PATIENT_CHANNELS = ("sms", "email", "whatsapp", "letter", "phone")
WORDS = {"sms": "text", "email": "e-mail", "whatsapp": "WhatsApp", "letter": "letter"}


def register(sub: Any) -> None:
    c = sub.add_parser("consent", help="the channels a patient agreed to be contacted on")
    c.add_argument("patient", help="patient id or MRN")
    for channel in PATIENT_CHANNELS:
        c.add_argument(
            f"--{channel}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"consent to {WORDS.get(channel, channel)} given (--no-{channel}: withdrawn)",
        )
    c.set_defaults(func=cmd_consent)

    p = sub.add_parser("caregivers", help="a patient's family: what each gets from the clinic")
    p.add_argument("patient", help="patient id or MRN")
    p.add_argument("member", nargs="?", help="change this person's settings: id or name")
    p.add_argument(
        "--patient-agrees",
        dest="receives_messages",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the patient agrees this person gets messages from the clinic",
    )
    for channel in MEMBER_CHANNELS:
        p.add_argument(
            f"--{channel}",
            dest=f"consent_{channel}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"the caregiver's own consent to {WORDS[channel]}",
        )
    p.add_argument("--prefer", dest="preferred_channel", choices=MEMBER_CHANNELS)
    p.add_argument("--may-be-told", dest="may_be_told", choices=MAY_BE_TOLD)
    p.add_argument("--language", help="the caregiver's language (default: the patient's)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_caregivers)


def _patient(desk: Desk, key: str) -> Patient:
    with desk.reading() as session:
        return find_patient(session, key)


def consent_line(patient: Any) -> str:
    """The channels on file, in words."""
    given = [WORDS.get(c, c) for c in PATIENT_CHANNELS if getattr(patient, f"consent_{c}")]
    return f"Contact by: {', '.join(given) or 'no channel'}"


def cmd_consent(ctx: Context) -> int:
    args = ctx.args
    changes = {
        f"consent_{c}": getattr(args, c) for c in PATIENT_CHANNELS if getattr(args, c) is not None
    }
    desk = ctx.desk(readonly=not changes)
    patient = _patient(desk, args.patient)
    if changes:
        updated = desk.patients.set_consent(patient.id, **changes).value
        print(consent_line(updated))
    else:
        print(consent_line(patient))
    return 0


SETTINGS = (
    "receives_messages",
    "consent_sms",
    "consent_email",
    "consent_whatsapp",
    "preferred_channel",
    "may_be_told",
    "language",
)


def member_line(member: FamilyMember) -> str:
    roles = [r for r in ("caregiver", "legal_representative") if getattr(member, r)]
    channels = [WORDS[c] for c in MEMBER_CHANNELS if getattr(member, f"consent_{c}")]
    agreed = "patient agrees" if member.receives_messages else "patient has not agreed"
    gets = "; ".join(caregivers.gets(member)) or "nothing"
    return (
        f"{member.id}  {member.name} ({member.relationship}"
        f"{', ' + ', '.join(r.replace('_', ' ') for r in roles) if roles else ''})  "
        f"may be told: {member.may_be_told} · {agreed} · consented to "
        f"{', '.join(channels) or 'no channel'} · gets {gets}"
    )


def cmd_caregivers(ctx: Context) -> int:
    args = ctx.args
    changes = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    if changes and not args.member:
        raise ValidationFailed("caregiver", "name the family member to change")
    desk = ctx.desk(readonly=not changes)
    patient = _patient(desk, args.patient)
    if args.member:
        with desk.reading() as session:
            member = caregivers.find_member(session, patient.id, args.member)
        if changes:
            member = caregivers.set_messaging(desk, member.id, **changes).value
        members = [member]
    else:
        members = desk.patients.family(patient.id)
    if args.json:
        ctx.emit_json(
            [
                {**m.model_dump(include={"id", "name", "relationship", *SETTINGS})}
                | {"gets": caregivers.gets(m)}
                for m in members
            ]
        )
        return 0
    if not members:
        print("No family members on file.")
    for m in members:
        print(member_line(m))
    return 0
