"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from careDesk.model import (  # noqa: F401
    assessment,
    clinical,
    handout,
    interop,
    measure,
    outreach,
    patient,
    plan,
    referral,
    risk,
    schedule,
    security,
    sync,
    team,
    template,
    timeline,
)
