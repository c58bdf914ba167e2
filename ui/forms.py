"""Form helpers: labelled fields with an error line under each, filled from ``ValidationFailed``.

The core names the failing field (``ValidationFailed.field``); the form shows the reason right
beside that field, or in the form-wide line when the field is not on this form.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from careDesk.errors import CareDeskError, ValidationFailed

W = TypeVar("W", bound=QWidget)


def error_label() -> QLabel:
    """A hidden, word-wrapped label styled as an inline error."""
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class FieldForm(QWidget):
    """A form layout whose rows each carry an inline error line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout()
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.layout_)
        self.form_error = error_label()
        self.form_error.setAccessibleName("Form error")
        outer.addWidget(self.form_error)
        self._errors: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def add(self, field: str, label: str, widget: W, *aliases: str) -> W:
        """Add a row for ``field`` (``aliases`` are other core field names shown here)."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        err = error_label()
        err.setAccessibleName(f"{label} error")
        column.addWidget(err)
        widget.setAccessibleName(label)
        text = QLabel(f"{label}:")
        text.setBuddy(widget)
        self.layout_.addRow(text, box)
        for name in (field, *aliases):
            self._errors[name] = err
            self._widgets[name] = widget
        return widget

    def clear_errors(self) -> None:
        for label in [*self._errors.values(), self.form_error]:
            label.clear()
            label.setVisible(False)

    def show_error(self, error: CareDeskError) -> None:
        """Show ``error`` beside its field (or on the form) and focus that field."""
        self.clear_errors()
        if isinstance(error, ValidationFailed) and error.field in self._errors:
            label = self._errors[error.field]
            label.setText(error.reason)
            label.setVisible(True)
            self._widgets[error.field].setFocus()
            return
        self.form_error.setText(error.message)
        self.form_error.setVisible(True)

    def error_for(self, field: str) -> str:
        """The error text now shown for ``field`` ("" if none)."""
        label = self._errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""
