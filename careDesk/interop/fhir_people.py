"""FHIR Patient, RelatedPerson, Practitioner, Organization and CareTeam → careDesk records."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import col, select

from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    Place,
    any_code,
    boolean,
    codings,
    extension,
    fhir_date,
    items,
    label,
    obj,
    text,
)
from careDesk.interop.identity import Identity, identity_conflict
from careDesk.model.fields import phone_digits
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.team import CareTeamMember, Organization, Provider

MR_TYPE = ("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")
INTERPRETER = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
SEXES = ("female", "male", "other", "unknown")


def mrn_of(entry: Entry, place: Place) -> str:
    """The MRN: an MR-typed identifier; else the resource id (or a hash of the source id)."""
    for i, ident in enumerate(items(entry.resource.get("identifier"), place, "identifier")):
        ident = obj(ident, place, f"identifier[{i}]")
        for coding in codings(ident.get("type"), place, f"identifier[{i}].type"):
            if (coding.get("system"), coding.get("code")) == MR_TYPE:
                mrn = text(ident.get("value"), place, f"identifier[{i}].value", 40, required=True)
                assert mrn is not None
                return mrn
    rid = entry.resource.get("id")
    if isinstance(rid, str) and 0 < len(rid) <= 40:
        return rid
    return "fhir-" + hashlib.sha1(entry.source_id.encode("utf-8")).hexdigest()[:20]


def _name(resource: dict[str, Any], place: Place) -> tuple[str, str, str | None]:
    names = [obj(n, place, "name") for n in items(resource.get("name"), place, "name")]
    if not names:
        raise place.reject("name", "is missing")
    official = next((n for n in names if n.get("use") == "official"), names[0])
    family = text(official.get("family"), place, "name.family", 100, required=True)
    given = [
        text(g, place, "name.given", 100) for g in items(official.get("given"), place, "name.given")
    ]
    given_name = " ".join(g for g in given if g)
    if len(given_name) > 100:
        raise place.reject("name.given", "is longer than 100 characters")
    usual = next((n for n in names if n.get("use") in ("usual", "nickname")), None)
    preferred = None
    if usual is not None and usual.get("given"):
        preferred = text(items(usual["given"], place, "name.given")[0], place, "name.given", 100)
    assert family is not None
    return given_name, family, preferred


def _telecom(resource: dict[str, Any], place: Place, system: str, max_len: int) -> str | None:
    found = []
    for point in items(resource.get("telecom"), place, "telecom"):
        point = obj(point, place, "telecom")
        if point.get("system") == system and point.get("value"):
            found.append(point)
    found.sort(key=lambda p: 0 if p.get("use") == "mobile" else 1 if p.get("use") == "home" else 2)
    return text(found[0]["value"], place, f"telecom.{system}", max_len) if found else None


def _language(resource: dict[str, Any], place: Place) -> str:
    comms = [
        obj(c, place, "communication")
        for c in items(resource.get("communication"), place, "communication")
    ]
    comms.sort(key=lambda c: 0 if c.get("preferred") is True else 1)
    for comm in comms:
        code = any_code(comm.get("language"), place, "communication.language")
        if code:
            return code.split("-")[0].lower()[:10]
    return "en"


def _address(resource: dict[str, Any], place: Place) -> dict[str, str | None]:
    addresses = [obj(a, place, "address") for a in items(resource.get("address"), place, "address")]
    if not addresses:
        return {"address_line": None, "city": None, "state": None, "postal_code": None}
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0])
    lines = [
        text(x, place, "address.line", 200) for x in items(home.get("line"), place, "address.line")
    ]
    line = ", ".join(x for x in lines if x) or None
    if line and len(line) > 200:
        raise place.reject("address.line", "is longer than 200 characters")
    return {
        "address_line": line,
        "city": text(home.get("city"), place, "address.city", 100),
        "state": text(home.get("state"), place, "address.state", 40),
        "postal_code": text(home.get("postalCode"), place, "address.postalCode", 20),
    }


def _interpreter(resource: dict[str, Any], place: Place) -> bool:
    for ext in items(resource.get("extension"), place, "extension"):
        ext = obj(ext, place, "extension")
        if ext.get("url") == INTERPRETER:
            return bool(boolean(ext.get("valueBoolean"), place, "extension.valueBoolean"))
    return False


def patient_values(entry: Entry, place: Place) -> dict[str, Any]:
    """The careDesk fields a FHIR Patient fills (program fields are left to careDesk)."""
    res = entry.resource
    given, family, preferred = _name(res, place)
    birth = fhir_date(res.get("birthDate"), place, "birthDate")
    if birth is None:
        raise place.reject("birthDate", "is missing (careDesk needs a birth date)")
    sex = res.get("gender") or "unknown"
    if sex not in SEXES:
        raise place.reject("gender", f"should be one of {', '.join(SEXES)}")
    phone = _telecom(res, place, "phone", 40)
    deceased = fhir_date(res.get("deceasedDateTime"), place, "deceasedDateTime")
    return {
        "mrn": mrn_of(entry, place),
        "given_name": given,
        "family_name": family,
        "preferred_name": preferred,
        "birth_date": birth,
        "sex": sex,
        "language": _language(res, place),
        "interpreter_needed": _interpreter(res, place),
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "email": _telecom(res, place, "email", 200),
        "deceased_on": deceased,
        **_address(res, place),
    }


def map_patient(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A Patient: matched by source id, then own id, then MRN; else created as a candidate."""
    values = patient_values(entry, place)
    session = ctx.tx.session
    found = session.exec(select(Patient).where(col(Patient.source_id) == entry.source_id)).first()
    if found is None and isinstance(entry.resource.get("id"), str):
        found = session.get(Patient, entry.resource["id"])
    if found is None:
        found = session.exec(select(Patient).where(col(Patient.mrn) == values["mrn"])).first()
        who = found and Identity(found.birth_date, found.given_name, found.family_name)
        conflict = who and identity_conflict(who, values)
        if conflict:  # an MRN typed wrong must not change another patient
            raise place.reject("identifier", conflict)
    if found is None:
        patient = ctx.created(
            Patient(source_system="fhir", source_id=entry.source_id, **values), None
        )
        ctx.tx.changes.add("patient", patient.id, patient.id)
    else:
        if (
            values["mrn"] != found.mrn
            and session.exec(
                select(Patient.id).where(
                    col(Patient.mrn) == values["mrn"], col(Patient.id) != found.id
                )
            ).first()
        ):
            # The vault does not enforce unique MRNs (two workstations may meet with one;
            # sync reports it): an import must not make a duplicate itself.
            raise place.reject("identifier", "this MRN is in use by another patient (MRN in use)")
        patient = ctx.apply(found, values, found.id)
    if patient.id in ctx.patients:
        raise place.reject("id", "the same patient appears twice in this file")
    ctx.patients.append(patient.id)
    ctx.bind(entry, patient.id)


def map_related_person(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A RelatedPerson → a family member or caregiver of the patient."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "patient")
    names = [obj(n, place, "name") for n in items(res.get("name"), place, "name")]
    name = None
    if names:
        first = names[0]
        parts = [*items(first.get("given"), place, "name.given"), first.get("family")]
        joined = first.get("text") or " ".join(p for p in parts if isinstance(p, str))
        name = text(joined, place, "name", 200)
    if not name:
        raise place.reject("name", "is missing")
    relationship = None
    for i, rel in enumerate(items(res.get("relationship"), place, "relationship")):
        relationship = relationship or label(rel, place, f"relationship[{i}]", 60)
    phone = _telecom(res, place, "phone", 40)
    values = {
        "name": name,
        "relationship": relationship or "contact",
        "phone": phone,
        "email": _telecom(res, place, "email", 200),
        "caregiver": bool(boolean(extension(res, "caregiver", place), place, "extension")),
        "emergency_contact": bool(
            boolean(extension(res, "emergencyContact", place), place, "extension")
        ),
        "legal_representative": bool(
            boolean(extension(res, "legalRepresentative", place), place, "extension")
        ),
    }
    told = extension(res, "mayBeTold", place)
    if told in ("everything", "appointments", "nothing"):
        values["may_be_told"] = told
    ctx.upsert(FamilyMember, entry, patient_id, values)


def _address_text(resource: dict[str, Any], place: Place) -> str | None:
    parts = _address(resource, place)
    joined = ", ".join(
        v for v in (parts["address_line"], parts["city"], parts["state"], parts["postal_code"]) if v
    )
    return joined[:300] or None


def map_organization(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """An Organization (hospital, clinic…) for the directory and encounter facilities."""
    res = entry.resource
    name = text(res.get("name"), place, "name", 200, required=True)
    kinds = [label(t, place, "type", 60) for t in items(res.get("type"), place, "type")]
    values: dict[str, Any] = {
        "name": name,
        "kind": next((k for k in kinds if k), None),
        "phone": _telecom(res, place, "phone", 40),
        "fax": _telecom(res, place, "fax", 40),
        "email": _telecom(res, place, "email", 200),
        "address": _address_text(res, place),
    }
    found = ctx.find_global(Organization, entry)
    if found is None:
        org = ctx.created(Organization(source_id=entry.source_id, **values), None)
    else:
        org = ctx.apply(found, values, None)
    ctx.bind(entry, org.id, name)


def map_practitioner(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A Practitioner → a provider (joined to a patient's care team by their encounters)."""
    res = entry.resource
    names = [obj(n, place, "name") for n in items(res.get("name"), place, "name")]
    if not names:
        raise place.reject("name", "is missing")
    first = names[0]
    words = [
        *items(first.get("prefix"), place, "name.prefix"),
        *items(first.get("given"), place, "name.given"),
        first.get("family"),
    ]
    joined = first.get("text") or " ".join(w for w in words if isinstance(w, str))
    name = text(joined, place, "name", 200, required=True)
    values: dict[str, Any] = {
        "name": name,
        "phone": _telecom(res, place, "phone", 40),
        "email": _telecom(res, place, "email", 200),
    }
    found = ctx.find_global(Provider, entry)
    if found is None:
        provider = ctx.created(Provider(source_id=entry.source_id, **values), None)
    else:
        provider = ctx.apply(found, values, None)
    ctx.bind(entry, provider.id, name)


def join_care_team(
    ctx: ImportContext, patient_id: str, provider_id: str, role: str, lead: bool = False
) -> None:
    """Put a provider on the patient's care team once (matched by provider)."""
    if patient_id not in ctx.team:
        ctx.team[patient_id] = {
            pid
            for pid in ctx.tx.session.exec(
                select(CareTeamMember.provider_id).where(
                    col(CareTeamMember.patient_id) == patient_id
                )
            ).all()
            if pid
        }
    provider = ctx.tx.session.get(Provider, provider_id)
    if provider is None or provider_id in ctx.team[patient_id]:
        return
    ctx.team[patient_id].add(provider_id)
    member = CareTeamMember(
        patient_id=patient_id,
        provider_id=provider_id,
        name=provider.name,
        role=role,
        phone=provider.phone,
        email=provider.email,
        lead=lead,
    )
    ctx.created(member, patient_id)


def map_care_team(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A CareTeam: practitioners in the file join the team; others by name (and contacts)."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    for i, part in enumerate(items(res.get("participant"), place, "participant")):
        part = obj(part, place, f"participant[{i}]")
        member = ctx.resolve(part.get("member"), place, f"participant[{i}].member")
        roles = [
            label(r, place, f"participant[{i}].role", 100)
            for r in items(part.get("role"), place, f"participant[{i}].role")
        ]
        lead = bool(boolean(extension(part, "lead", place), place, f"participant[{i}].extension"))
        role = next((r for r in roles if r), "care team")
        if member:
            join_care_team(ctx, patient_id, member, role, lead)
            continue
        name = ctx.label(part.get("member"), place, f"participant[{i}].member")
        if name:
            values = {
                "name": name,
                "role": role,
                "lead": lead,
                "provider_id": None,
                "phone": text(extension(part, "phone", place), place, "extension phone", 40),
                "email": text(extension(part, "email", place), place, "extension email", 200),
            }
            ctx.upsert_linked(
                CareTeamMember,
                entry,
                patient_id,
                values,
                part=f"member{i}",
                natural=("name", "provider_id"),
            )
