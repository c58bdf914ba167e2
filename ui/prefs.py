"""Per-user window layout and last filters (QSettings keyed by user login).

Kept in an INI file in the data folder beside the vault, so each clinic workstation (and each
test's temporary folder) has its own. Only layout and filter choices go here, never patient data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

FILE_NAME = "desktop.ini"


class Prefs:
    """Typed access to one user's (or the workstation's) stored preferences."""

    def __init__(self, folder: Path, login: str = "") -> None:
        self._settings = QSettings(str(folder / FILE_NAME), QSettings.Format.IniFormat)
        self._group = f"user.{login}" if login else "workstation"

    def value(self, key: str, default: Any = None) -> Any:
        """The stored value, or ``default``."""
        return self._settings.value(f"{self._group}/{key}", default)

    def text(self, key: str, default: str = "") -> str:
        value = self.value(key, default)
        return str(value) if value is not None else default

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (written to disk by Qt; call :meth:`sync` to force it)."""
        self._settings.setValue(f"{self._group}/{key}", value)

    def sync(self) -> None:
        self._settings.sync()
