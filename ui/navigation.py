"""The navigation: every page of the main window, referenced by class, with who may see it."""

from __future__ import annotations

from dataclasses import dataclass

from careDesk.security.roles import Permission
from ui.pages.admin import AdminPage
from ui.pages.base import Page
from ui.pages.billing import BillingPage
from ui.pages.patients import PatientsPage
from ui.pages.referrals import ReferralsPage
from ui.pages.registry import RegistryPage
from ui.pages.reminders import RemindersPage
from ui.pages.reports import ReportsPage
from ui.pages.resources import ResourcesPage
from ui.pages.schedule import SchedulePage
from ui.pages.sync import SyncPage
from ui.pages.templates import TemplatesPage
from ui.pages.today import TodayPage


@dataclass(frozen=True)
class PageSpec:
    """A navigation entry: its page class, shown when the role may (``permission``).

    Pages are referenced as classes, so renaming or removing one breaks the build (mypy, and the
    import at start-up) instead of silently hiding it from the navigation.
    """

    key: str
    title: str
    page: type[Page]
    permission: Permission = Permission.READ


PAGES: tuple[PageSpec, ...] = (
    PageSpec("today", "Today", TodayPage),
    PageSpec("patients", "Patients", PatientsPage),
    PageSpec("schedule", "Schedule", SchedulePage),
    PageSpec("reminders", "Reminders", RemindersPage),
    PageSpec("referrals", "Referrals", ReferralsPage),
    PageSpec("reports", "Reports", ReportsPage),
    PageSpec("registry", "Registry", RegistryPage),
    PageSpec("billing", "Billing", BillingPage),
    PageSpec("resources", "Resources", ResourcesPage),
    PageSpec("templates", "Templates", TemplatesPage),
    PageSpec("sync", "Sync", SyncPage),
    PageSpec("admin", "Admin", AdminPage, Permission.ADMIN),
)
