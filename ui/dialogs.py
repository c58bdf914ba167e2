"""A generic record form: fields declared as data, submitted to a core verb on the worker.

The core validates (its forms name the failing field); the dialog shows that reason beside the
field and stays open. Dates are typed as text (YYYY-MM-DD, or MM/DD/YYYY as US clinics write
them) so an optional date can stay empty; the core parses and checks them. Date-times are picked
in local time and sent as aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from careDesk.errors import CareDeskError
from ui.forms import FieldForm
from ui.qt_values import from_datetime, to_datetime
from ui.workspace import Workspace


@dataclass(frozen=True)
class Field:
    """One input: ``kind`` is text, long, date, datetime, choice, int or bool."""

    name: str
    label: str
    kind: str = "text"
    choices: Sequence[tuple[str | None, str]] = ()  # (value, shown text); None: not given
    default: Any = None
    placeholder: str = ""
    required: bool = False
    aliases: tuple[str, ...] = field(default=())


#: A choice longer than this (e.g. the ~190 patient languages) gets a type-to-search box.
SEARCHABLE_FROM = 20


def make_searchable(combo: QComboBox) -> None:
    """Let the person type part of an entry's name ("viet") to find it in a long list."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)


def _choice(combo: QComboBox) -> Any:
    """The chosen value; in a searchable list, the entry whose name was typed, else the text
    as typed (the core then names the field and why it is refused)."""
    if not combo.isEditable():
        return combo.currentData()
    text = combo.currentText().strip()
    index = combo.findText(text, Qt.MatchFlag.MatchFixedString)
    return combo.itemData(index) if index >= 0 else (text or None)


def _widget(spec: Field) -> QWidget:
    if spec.kind == "long":
        long = QPlainTextEdit()
        long.setTabChangesFocus(True)
        long.setPlainText(str(spec.default or ""))
        long.setPlaceholderText(spec.placeholder)
        return long
    if spec.kind == "choice":
        combo = QComboBox()
        for value, text in spec.choices:
            combo.addItem(text, value)
        if len(spec.choices) > SEARCHABLE_FROM:
            make_searchable(combo)
        if spec.default is not None:
            combo.setCurrentIndex(max(combo.findData(spec.default), 0))
        return combo
    if spec.kind == "int":
        spin = QSpinBox()
        spin.setRange(0, 100_000)
        spin.setValue(int(spec.default or 0))
        return spin
    if spec.kind == "bool":
        check = QCheckBox()
        check.setChecked(bool(spec.default))
        return check
    if spec.kind == "datetime":
        when = QDateTimeEdit(QDateTime.currentDateTime())
        when.setCalendarPopup(True)
        when.setDisplayFormat("yyyy-MM-dd HH:mm")
        if isinstance(spec.default, datetime):
            when.setDateTime(from_datetime(spec.default))
        return when
    line = QLineEdit("" if spec.default is None else str(spec.default))
    typed_date = "YYYY-MM-DD or MM/DD/YYYY" if spec.kind == "date" else ""
    line.setPlaceholderText(spec.placeholder or typed_date)
    return line


def read_widget(spec: Field, widget: QWidget) -> Any:
    """The value of ``widget`` as the core expects it (text is left for the core to parse)."""
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip() or None
    if isinstance(widget, QComboBox):
        return _choice(widget)
    if isinstance(widget, QSpinBox):
        return widget.value()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QDateTimeEdit):
        local = to_datetime(widget.dateTime())
        return local.astimezone().astimezone(UTC)
    assert isinstance(widget, QLineEdit)
    return widget.text().strip() or None


class FormDialog(QDialog):
    """Declared fields → ``action(values)`` on the worker; emits :attr:`saved` with its result."""

    saved = Signal(object)

    def __init__(
        self,
        ws: Workspace,
        title: str,
        fields: Sequence[Field],
        action: Callable[[dict[str, Any]], Any],
        parent: QWidget | None = None,
        *,
        ok_text: str = "Save",
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.action = action
        self.setWindowTitle(title)
        self.form = FieldForm()
        self.specs = list(fields)
        self.prefilled: set[str] = set()
        self.widgets: dict[str, QWidget] = {}
        for spec in self.specs:
            label = f"{spec.label} *" if spec.required else spec.label
            self.widgets[spec.name] = self.form.add(spec.name, label, _widget(spec), *spec.aliases)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        """The entered values. Empty optional text is left out (the core applies defaults),
        unless the field was filled in beforehand: emptying it clears it (None)."""
        values: dict[str, Any] = {}
        for spec in self.specs:
            value = read_widget(spec, self.widgets[spec.name])
            if value is not None or spec.required or spec.name in self.prefilled:
                values[spec.name] = value
        return values

    def prefill(self, current: Mapping[str, Any]) -> None:
        """Fill the fields with a record's current values (an edit form)."""
        for spec in self.specs:
            value = current.get(spec.name)
            if value is not None and value != "":
                self.set_value(spec.name, value)
                self.prefilled.add(spec.name)

    def set_value(self, name: str, value: Any) -> None:
        """Fill a field (tests and prefilled forms)."""
        widget = self.widgets[name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))
            if widget.currentIndex() < 0 and widget.isEditable():
                widget.setEditText(str(value))  # e.g. a regional code ("es-MX") kept as it is
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QDateTimeEdit):
            widget.setDateTime(QDateTime(value.astimezone()))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))

    def submit(self) -> None:
        """Run the action on the worker; stay open with the reason beside the field on error."""
        self.form.clear_errors()
        values, action = self.values(), self.action
        self.ok.setEnabled(False)
        self.ws.run(lambda: action(values), self._done, self._failed, parent=self)

    def _done(self, result: Any) -> None:
        self.ok.setEnabled(True)
        self.accept()
        self.saved.emit(result)

    def _failed(self, error: CareDeskError) -> None:
        self.ok.setEnabled(True)
        self.form.show_error(error)
