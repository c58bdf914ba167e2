"""Shared state for one generation run: the clinic it fills and the patient being drawn."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from careDesk.care.demo.catalog import Catalog, ConditionSpec
from careDesk.care.demo.rows import IdMaker, RowBuffer


@dataclass(frozen=True)
class Person:
    """A staff member or provider the generated records point at."""

    id: str
    name: str
    phone: str | None = None
    email: str | None = None
    organization_id: str | None = None
    languages: tuple[str, ...] = ()


@dataclass
class DemoClinic:
    """The clinic being filled: its staff, partners and resources, and the fixed clock."""

    catalog: Catalog
    admin: Person
    coordinators: list[Person]
    providers: dict[str, list[Person]]
    hospitals: list[Person]
    clinic_org: Person
    resources: dict[str, list[Person]]
    tz: ZoneInfo
    today: date
    now: datetime

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A clinic-local wall time on ``day`` as an aware UTC datetime."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def day(self, offset: int) -> date:
        """``today`` plus ``offset`` days."""
        return self.today + timedelta(days=offset)


@dataclass
class Draft:
    """One patient while their records are drawn."""

    rng: random.Random
    new_id: IdMaker
    out: RowBuffer
    clinic: DemoClinic
    id: str = ""
    language: str = "en"
    sex: str = "female"
    age: int = 60
    family_name: str = ""
    status: str = "candidate"
    complexity: float = 1.0
    enrolled_on: date | None = None
    coordinator: Person | None = None
    conditions: list[ConditionSpec] = field(default_factory=list)
    condition_ids: dict[str, str] = field(default_factory=dict)
    medications: list[dict[str, Any]] = field(default_factory=list)
    social_needs: list[str] = field(default_factory=list)
    specialists: list[Person] = field(default_factory=list)
    pcp: Person | None = None
    phone: str = ""  # as shown (a spouse may share it: replies from it are ambiguous)
    shared_phone: bool = False

    @property
    def engaged(self) -> bool:
        """Enrolled, active, or once in the program (not a candidate)."""
        return self.status != "candidate"

    @property
    def open_case(self) -> bool:
        """In the program now (enrolled or active)."""
        return self.status in ("enrolled", "active")

    def pick(self, options: Any) -> Any:
        """One element of a sequence."""
        return options[int(self.rng.random() * len(options))]

    def pick_common(self, options: Any, power: float = 2.0) -> Any:
        """One element of a list ordered most common first, favouring the common ones
        (index ∝ u^power: the first of 20 names is drawn about 22% of the time)."""
        return options[int((self.rng.random() ** power) * len(options))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.rng.random() < p

    def count(self, mean: float, cap: int) -> int:
        """A Poisson-distributed count (Knuth's method), at most ``cap``."""
        limit, k, product = pow(2.718281828459045, -mean), 0, self.rng.random()
        while product > limit and k < cap:
            k += 1
            product *= self.rng.random()
        return k
