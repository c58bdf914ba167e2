"""careDesk desktop client (PySide6): windows, dialogs and Qt models over the core services."""
