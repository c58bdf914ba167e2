"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from careDesk.model import security  # noqa: F401
