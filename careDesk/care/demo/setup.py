"""The demo clinic around the patients: settings, coordinators, partners and resources.

Run before the patients are drawn. Everything here is created only when missing, so filling
an existing vault again reuses the same coordinators, providers and community resources.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from careDesk.care.demo.catalog import Catalog
from careDesk.care.demo.context import DemoClinic, Person
from careDesk.desk import Desk
from careDesk.model.referral import CommunityResource
from careDesk.model.team import Organization, Provider
from careDesk.security.roles import Permission, Role

SOURCE = "demo"


def _settings(desk: Desk, catalog: Catalog) -> None:
    for key, value in catalog.clinic["settings"].items():
        if not desk.settings.get(key):
            desk.settings.set(key, value)


def _coordinators(
    desk: Desk, catalog: Catalog, password: str | None
) -> tuple[list[Person], list[str]]:
    """The clinic's coordinators; the demo ones are added when there are none yet."""
    spoken = {c["login"]: tuple(c["languages"]) for c in catalog.clinic["coordinators"]}
    existing = [u for u in desk.users.list() if u.role == Role.COORDINATOR and not u.disabled]
    created: list[str] = []
    if not existing and password is not None:
        taken = {u.login for u in desk.users.list()}
        for spec in catalog.clinic["coordinators"]:
            if spec["login"] not in taken:
                desk.users.add(spec["login"], password, Role.COORDINATOR, spec["display_name"])
                created.append(spec["login"])
        existing = [u for u in desk.users.list() if u.role == Role.COORDINATOR and not u.disabled]
    if not existing and desk.can(Permission.EDIT):
        # A new clinic's first user trying the demo (no coordinators, no password to make
        # them) coordinates it: without a coordinator the demo has no calls, minutes or caseload.
        existing = [u for u in desk.users.list() if u.id == desk.user.id]
    people = [
        Person(u.id, u.display_name, languages=spoken.get(u.login, ("en",)))
        for u in sorted(existing, key=lambda u: u.login)
    ]
    return people, created


def _partners(desk: Desk, catalog: Catalog) -> tuple[dict[str, Organization], list[Provider]]:
    """Organizations and providers of the demo clinic, created once (found by ``source_id``)."""
    with desk.writing(Permission.EDIT) as tx:
        found = tx.session.exec(
            select(Organization).where(col(Organization.source_id).startswith(f"{SOURCE}:"))
        ).all()
        orgs = {str(o.source_id).split(":", 2)[2]: o for o in found}
        for spec in catalog.clinic["organizations"]:
            if spec["key"] not in orgs:
                fields = {k: v for k, v in spec.items() if k != "key"}
                org = Organization(**fields, source_id=f"{SOURCE}:org:{spec['key']}")
                orgs[spec["key"]] = tx.add(org, kind="organization")
        tx.session.flush()
        known = tx.session.exec(
            select(Provider).where(col(Provider.source_id).startswith(f"{SOURCE}:"))
        ).all()
        providers = {str(p.source_id): p for p in known}
        for number, spec in enumerate(catalog.clinic["providers"]):
            key = f"{SOURCE}:provider:{number}"
            if key not in providers:
                org = orgs[spec["org"]]
                provider = Provider(
                    name=spec["name"],
                    specialty=spec["specialty"],
                    organization_id=org.id,
                    phone=org.phone,
                    source_id=key,
                )
                providers[key] = tx.add(provider, kind="provider")
    ordered = [providers[f"{SOURCE}:provider:{n}"] for n in range(len(catalog.clinic["providers"]))]
    return orgs, ordered


def _resources(desk: Desk, catalog: Catalog) -> dict[str, list[Person]]:
    """The community resource directory seed list, added once (found by name)."""
    with desk.writing(Permission.EDIT) as tx:
        rows = {r.name: r for r in tx.session.exec(select(CommunityResource)).all()}
        for spec in catalog.resources:
            if spec["name"] not in rows:
                rows[spec["name"]] = tx.add(CommunityResource(**spec), kind="community_resource")
    by_category: dict[str, list[Person]] = {}
    for spec in catalog.resources:
        row = rows[spec["name"]]
        by_category.setdefault(row.category, []).append(Person(row.id, row.name, row.phone))
    return by_category


def prepare_clinic(
    desk: Desk, catalog: Catalog, today: date, now: datetime, coordinator_password: str | None
) -> tuple[DemoClinic, list[str]]:
    """Settings, coordinators, partners and resources; returns the clinic and added logins."""
    _settings(desk, catalog)
    coordinators, created = _coordinators(desk, catalog, coordinator_password)
    orgs, providers = _partners(desk, catalog)
    by_specialty: dict[str, list[Person]] = {}
    for p in providers:
        person = Person(p.id, p.name, p.phone, p.email, p.organization_id)
        by_specialty.setdefault(str(p.specialty), []).append(person)
    hospitals = [Person(o.id, o.name, o.phone) for o in orgs.values() if o.kind == "hospital"]
    clinic_org = orgs["clinic"]
    me = desk.user
    clinic = DemoClinic(
        catalog=catalog,
        admin=Person(me.id, me.display_name),
        coordinators=coordinators,
        providers=by_specialty,
        hospitals=sorted(hospitals, key=lambda h: h.name),
        clinic_org=Person(clinic_org.id, clinic_org.name, clinic_org.phone),
        resources=_resources(desk, catalog),
        tz=ZoneInfo(catalog.clinic["timezone"]),
        today=today,
        now=now,
    )
    return clinic, created
