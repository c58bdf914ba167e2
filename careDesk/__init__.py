"""careDesk core: care management for small clinics, headless (never imports Qt)."""

__version__ = "0.1.0"

import logging

logging.getLogger("careDesk").addHandler(logging.NullHandler())
