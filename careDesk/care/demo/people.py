"""Demographics, contact details, consent, program status, and family or caregivers."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from careDesk.care.demo.catalog import NameSet
from careDesk.care.demo.context import Draft
from careDesk.model.outreach import InboundMessage, ReplyState
from careDesk.model.patient import DEMO_SOURCE, FamilyMember, Patient

# Program status mix for a care-management caseload (demo tuning, not a published figure).
STATUS_MIX = (
    ("candidate", 0.30),
    ("enrolled", 0.15),
    ("active", 0.47),
    ("discharged", 0.06),
    ("transitioned", 0.02),
)


def ascii_fold(text: str) -> str:
    """``Nguyễn`` → ``Nguyen`` (for e-mail addresses)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-"))


def _weighted(draft: Draft, pairs: tuple[tuple[str, float], ...]) -> str:
    roll, total = draft.rng.random(), 0.0
    for value, weight in pairs:
        total += weight
        if roll < total:
            return value
    return pairs[-1][0]


def _name(draft: Draft, names: NameSet) -> tuple[str, str]:
    female = draft.sex == "female"
    given = draft.pick_common(names.female if female else names.male, 1.5)
    middles = names.middle_female if female else names.middle_male
    if middles:  # Vietnamese: middle name written with the given name ("Thị Lan")
        given = f"{draft.pick(middles)} {given}"
    return given, draft.pick_common(names.family, names.family_skew)


def phone(draft: Draft) -> tuple[str, str]:
    """A fictional 555 number as shown and as digits."""
    area = draft.pick(draft.clinic.catalog.clinic["area_codes"])
    line = f"{int(draft.rng.random() * 10000):04d}"
    return f"({area}) 555-{line}", f"{area}555{line}"


def _birth_date(draft: Draft) -> date:
    # Care-management caseloads skew older: most patients between 55 and 85.
    draft.age = max(19, min(97, int(draft.rng.triangular(22, 97, 72))))
    days = int(draft.rng.random() * 365)
    return draft.clinic.today - timedelta(days=draft.age * 365 + draft.age // 4 + days)


def demographics(draft: Draft, ordinal: int) -> None:
    """Queue the patient row: name, language, contacts, consent, status and coordinator."""
    cat, rng = draft.clinic.catalog, draft.rng
    shares = tuple((n.language, n.share) for n in cat.names)
    draft.language = _weighted(draft, shares)
    names = cat.names_for(draft.language)
    draft.sex = "female" if draft.chance(0.55) else "male"
    given, family = _name(draft, names)
    draft.family_name = family
    birth = _birth_date(draft)
    draft.status = _weighted(draft, STATUS_MIX)
    draft.complexity = min(
        4.0, rng.lognormvariate(0.1 if draft.status == "candidate" else 0.3, 0.55)
    )
    shown, digits = phone(draft)
    draft.phone = shown
    email = None
    if draft.chance(0.45 if draft.age < 70 else 0.25):
        local = f"{ascii_fold(given.split()[-1])}.{ascii_fold(family)}{ordinal % 997}".lower()
        email = f"{local}@example.com"
    consent_sms = draft.chance(0.55)
    consent_email = email is not None and draft.chance(0.8)
    channel = "phone"
    if consent_sms and draft.chance(0.6):
        channel = "sms"
    elif consent_email and draft.chance(0.6):
        channel = "email"
    elif draft.chance(0.1):
        channel = "letter"
    # WhatsApp (issue 20), drawn without the random stream so the rest of the clinic stays as
    # it was: a third of those who agreed to texts agreed to WhatsApp, half of them prefer it.
    consent_whatsapp = consent_sms and ordinal % 3 == 0
    if channel == "sms" and consent_whatsapp and ordinal % 2 == 0:
        channel = "whatsapp"
    _program(draft)
    place = draft.pick(cat.clinic["places"])
    interpreter = draft.chance(names.interpreter_share)
    draft.out.add(
        Patient,
        id=draft.id,
        mrn=f"DM{ordinal + 1:07d}",
        given_name=given,
        family_name=family,
        preferred_name=given.split()[-1] if draft.language == "vi" and draft.chance(0.3) else None,
        birth_date=birth,
        sex=draft.sex,
        language=draft.language,
        interpreter_needed=interpreter,
        phone=shown,
        phone_digits=digits,
        email=email,
        address_line=f"{int(rng.random() * 19000) + 100} {draft.pick(cat.clinic['streets'])}",
        city=place["city"],
        state=place["state"],
        postal_code=draft.pick(place["zips"]),
        timezone=cat.clinic["timezone"],
        preferred_channel=channel,
        consent_program=draft.engaged,
        consent_program_on=draft.enrolled_on,
        consent_sms=consent_sms,
        consent_email=consent_email,
        consent_whatsapp=consent_whatsapp,
        status=draft.status,
        status_changed_at=draft.clinic.at(draft.enrolled_on, 10) if draft.enrolled_on else None,
        enrolled_on=draft.enrolled_on,
        coordinator_id=draft.coordinator.id if draft.coordinator else None,
        what_matters=draft.pick(cat.clinic["what_matters"]) if draft.engaged else None,
        lifestyle=draft.pick(cat.clinic["lifestyle"]) if draft.chance(0.6) else None,
        family_support=draft.pick(cat.clinic["family_support"]) if draft.chance(0.7) else None,
        source_system=DEMO_SOURCE,
    )


def _program(draft: Draft) -> None:
    """Enrollment date and coordinator (matched to the patient's language when possible)."""
    if draft.status == "enrolled":
        draft.enrolled_on = draft.clinic.day(-int(draft.rng.random() * 60))
    elif draft.status != "candidate":
        draft.enrolled_on = draft.clinic.day(-60 - int(draft.rng.random() * 600))
    coordinators = draft.clinic.coordinators
    if not coordinators or (draft.status == "candidate" and draft.chance(0.5)):
        return
    speaking = [c for c in coordinators if draft.language in c.languages]
    draft.coordinator = draft.pick(speaking if speaking and draft.chance(0.75) else coordinators)


def family(draft: Draft) -> None:
    """Zero to two relatives or friends; older patients more often have a caregiver."""
    cat = draft.clinic.catalog
    names = cat.names_for(draft.language)
    relations = [r["relationship"] for r in cat.clinic["relationships"] for _ in range(r["weight"])]
    for number in range(draft.count(0.6 + draft.age / 100, 2)):
        relation = draft.pick(relations)
        female = relation in ("daughter", "sister", "granddaughter", "niece") or (
            relation not in ("son", "brother") and draft.chance(0.5)
        )
        given = draft.pick(names.female if female else names.male)
        surname = (
            draft.family_name
            if draft.chance(0.6)
            else draft.pick_common(names.family, names.family_skew)
        )
        caregiver = number == 0 and draft.age >= 70 and draft.chance(0.7)
        shown, _digits = phone(draft)
        if relation == "spouse" and number == 0:  # the household's one phone
            shown, draft.shared_phone = draft.phone, True
        on_whatsapp = len(given) % 2 == 0
        draft.out.add(
            FamilyMember,
            id=draft.new_id(),
            patient_id=draft.id,
            name=f"{given} {surname}",
            relationship=relation,
            caregiver=caregiver,
            emergency_contact=number == 0,
            legal_representative=caregiver and draft.chance(0.3),
            phone=shown,
            may_be_told="everything" if caregiver else draft.pick(("appointments", "nothing")),
            # Caregivers get reminders (the patient agreed), by text or WhatsApp.
            receives_messages=caregiver,
            consent_sms=caregiver,
            consent_whatsapp=caregiver and on_whatsapp,
            preferred_channel=("whatsapp" if on_whatsapp else "sms") if caregiver else None,
            language=draft.language,
        )


REPLIES = (
    "Who is this for? We share this phone.",
    "OK thank you",
    "Can you call after 3pm?",
    "C",
    "We will be there",
)


def reply(draft: Draft, ordinal: int) -> None:
    """Now and then a text from a phone the patient shares with their spouse: careDesk cannot
    tell whose it is, so it waits in the unmatched replies for a person to sort (issue 20)."""
    if not draft.shared_phone or ordinal % 3:
        return
    draft.out.add(
        InboundMessage,
        id=draft.new_id(),
        source_key=f"demo:{draft.id}",
        channel="sms",
        sender=draft.phone,
        received_at=draft.clinic.now - timedelta(hours=1 + ordinal % 30),
        body=REPLIES[ordinal % len(REPLIES)],
        state=ReplyState.UNMATCHED,
        reason="2 people on file share this phone number",
    )
