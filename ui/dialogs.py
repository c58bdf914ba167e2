"""A generic record form: fields declared as data, submitted to a core verb on the worker.

The core validates (its forms name the failing field); the dialog shows that reason beside the
field, grows to show it whole, and stays open. Dates are typed as text (MM/DD/YYYY as US clinics
write them, or YYYY-MM-DD) so an optional date can stay empty, or picked on a calendar (the
button in the box, or Alt+Down); the core parses and checks them. Date-times are picked in local
time and sent as aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from careDesk.errors import CareDeskError
from careDesk.model.fields import parse_date
from careDesk.words import day_words
from ui import qt_values
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


DATE_PLACEHOLDER = "MM/DD/YYYY or YYYY-MM-DD"


def us_date(day: date) -> str:
    """``day`` as US clinics write it: 12/02/2026 is 2 December 2026."""
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


class DateLine(QLineEdit):
    """A typed date with a calendar to pick it from (the button in the box, or Alt+Down)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        self.calendar_action = self.addAction(icon, QLineEdit.ActionPosition.TrailingPosition)
        self.calendar_action.setText("Pick a date on a calendar")
        self.calendar_action.setToolTip("Pick a date on a calendar (Alt+Down)")
        self.calendar_action.triggered.connect(self.open_calendar)
        self.calendar: QCalendarWidget | None = None
        # The typed date read back in words ("Wednesday, December 2, 2026"), so 03/04 typed
        # meaning 3 April is seen to be March 4 before it is saved.
        self.companion = QLabel()
        self.companion.setObjectName("dateReading")
        self.companion.setAccessibleName("Date as read")
        self.companion.setVisible(False)
        self.textChanged.connect(self.read_back)

    def read_back(self, _text: str = "") -> None:
        """Show the typed date in words under the box (hidden while it is not a date)."""
        day = self.typed_day()
        self.companion.setText(day_words(day) if day is not None else "")
        # Shown only once placed in a layout: a label without a parent would be its own window.
        self.companion.setVisible(day is not None and self.companion.parent() is not None)

    def typed_day(self) -> date | None:
        try:
            return parse_date(self.text())
        except ValueError:
            return None

    def open_calendar(self) -> QCalendarWidget:
        """Show a calendar under the box, on the typed date (else today); a click fills it."""
        menu = QMenu(self)
        calendar = QCalendarWidget(menu)
        calendar.setGridVisible(True)
        day = self.typed_day()
        if day is not None:
            calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(calendar)
        menu.addAction(holder)

        def chosen(picked: QDate) -> None:
            self.setText(us_date(date(picked.year(), picked.month(), picked.day())))
            menu.close()
            self.setFocus()

        calendar.clicked.connect(chosen)
        calendar.activated.connect(chosen)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.mapToGlobal(self.rect().bottomLeft()))
        calendar.setFocus()
        self.calendar = calendar
        return calendar

    def keyPressEvent(self, event: QKeyEvent) -> None:
        down = event.key() == Qt.Key.Key_Down
        if down and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.open_calendar()
            return
        super().keyPressEvent(event)


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
        when = QDateTimeEdit(qt_values.now())
        when.setCalendarPopup(True)
        when.setDisplayFormat("yyyy-MM-dd HH:mm")
        if isinstance(spec.default, datetime):
            when.setDateTime(from_datetime(spec.default))
        return when
    if spec.kind == "date":
        default = spec.default
        dated = DateLine(us_date(default) if isinstance(default, date) else str(default or ""))
        dated.setPlaceholderText(spec.placeholder or DATE_PLACEHOLDER)
        return dated
    line = QLineEdit("" if spec.default is None else str(spec.default))
    line.setPlaceholderText(spec.placeholder)
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
            widget = self.form.add(spec.name, label, _widget(spec), *spec.aliases)
            if isinstance(widget, DateLine):
                widget.read_back()  # a default date, now that its reading has a place
            self.widgets[spec.name] = widget
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
        elif isinstance(widget, DateLine) and isinstance(value, date):
            widget.setText(us_date(value))
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
        self.fit_contents()

    def fit_contents(self) -> None:
        """Grow (never shrink) so every shown message is whole, not clipped; a wrapped label's
        height depends on its width, so the layout is settled before the size is read."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        wanted = self.size().expandedTo(layout.totalSizeHint())
        height = layout.totalHeightForWidth(wanted.width())
        if height > wanted.height():
            wanted.setHeight(height)
        self.resize(wanted)
