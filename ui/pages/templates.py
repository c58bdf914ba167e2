"""Templates: the care plan template library; copy a template, edit or add the clinic's own.

Shipped templates are read-only (copy one to change it). A clinic template is edited as its
JSON content in a text box: the core validates it and names the field at fault, and each save
is a new version (audited), listed beside it.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui.chart.suggestions import describe
from ui.dialogs import Field, FormDialog
from ui.forms import error_label
from ui.pages.base import Page
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace


def _whose(row: Any) -> str:
    return "shipped (read-only)" if row.shipped else f"clinic, version {row.version}"


class TemplateEditor(QDialog):
    """The JSON content of a clinic template; Save runs ``action(body, note)`` on the worker."""

    saved = Signal(object)

    def __init__(
        self,
        ws: Workspace,
        title: str,
        body: dict[str, Any],
        action: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ws, self.action = ws, action
        self.setWindowTitle(title)
        self.text = QPlainTextEdit(json.dumps(body, ensure_ascii=False, indent=2))
        self.text.setAccessibleName("Template content (JSON)")
        self.note = QLineEdit()
        self.note.setAccessibleName("What changed")
        self.note.setPlaceholderText("What changed (kept with this version)")
        self.error = error_label()
        self.error.setAccessibleName("Template error")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def submit(self) -> None:
        """Parse the text and save it through the core; stay open with the reason on error."""
        try:
            body = json.loads(self.text.toPlainText())
        except json.JSONDecodeError as exc:
            self._failed(CareDeskError(f"line {exc.lineno}: {exc.msg}"))
            return
        action, note = self.action, self.note.text().strip() or None
        self.ws.run(lambda: action(body, note), self._done, self._failed, parent=self)

    def _done(self, result: Any) -> None:
        self.accept()
        self.saved.emit(result)

    def _failed(self, error: CareDeskError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)


class TemplatesPage(Page):
    """The template library: list, preview, copy, edit, add, retire."""

    watches = kinds(Kind.PLAN_TEMPLATE)
    shown = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.model = RowModel(
            [
                Column("Template", lambda r: r.title),
                Column("For", lambda r: ", ".join(r.conditions)),
                Column("Languages", lambda r: ", ".join(r.languages)),
                Column(
                    "Whose", _whose, lambda r: f"copied from {r.based_on}" if r.based_on else ""
                ),
            ],
            self,
        )
        self.view = table_view(self.model, "Care plan templates")
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Template content")
        self.versions = QLabel("")
        self.versions.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot in (
            ("copy", "Copy…", self.copy_selected),
            ("edit", "Edit…", self.edit_selected),
            ("add", "Add template…", self.add_template),
            ("retire", "Retire", self.retire_selected),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(ws.can(Permission.EDIT))
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch()
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.detail, 1)
        column.addWidget(self.versions)
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.body: Any = None
        self._selected()

    def load(self) -> None:
        templates = self.ws.desk.templates
        self.ws.run(templates.catalog, self._show)

    def _show(self, rows: list[Any]) -> None:
        current = self.selected()
        self.model.set_rows(rows)
        ids = [r.id for r in rows]
        if current is not None and current.id in ids:
            self.view.selectRow(ids.index(current.id))
        self._selected()
        self.shown.emit()

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select(self, template_id: str) -> None:
        """Select a template by id."""
        for index, row in enumerate(self.model.rows):
            if row.id == template_id:
                self.view.selectRow(index)
                return

    def _selected(self, *_args: object) -> None:
        row = self.selected()
        self.buttons["copy"].setEnabled(row is not None)
        self.buttons["edit"].setEnabled(row is not None and not row.shipped)
        self.buttons["retire"].setEnabled(row is not None and not row.shipped)
        self.body = None
        self.detail.clear()
        self.versions.clear()
        if row is None:
            return
        templates, template_id = self.ws.desk.templates, row.id
        self.ws.run(
            lambda: (templates.get(template_id), templates.versions(template_id)), self._detail
        )

    def _detail(self, result: tuple[Any, list[Any]]) -> None:
        self.body, versions = result
        sources = "\n".join(f"Source: {s}" for s in self.body.sources)
        self.detail.setPlainText(f"{describe(self.body)}\n\n{sources}")
        self.versions.setText(
            "Versions: "
            + "; ".join(
                f"{v.number} ({v.saved_at:%Y-%m-%d}){': ' + v.note if v.note else ''}"
                for v in versions
            )
            if versions
            else "Shipped with careDesk: copy it to make changes."
        )

    def copy_selected(self) -> FormDialog | None:
        row = self.selected()
        if row is None:
            return None
        templates, source = self.ws.desk.templates, row.id
        dialog = FormDialog(
            self.ws,
            "Copy a template",
            [
                Field("new_id", "New id", placeholder="letters, digits, - or _ (blank: automatic)"),
                Field("title", "Title", default=f"{row.title} (clinic copy)"),
            ],
            lambda v: templates.copy(source, v.get("new_id"), v.get("title")).value,
            self,
            ok_text="Copy",
        )
        dialog.open()
        return dialog

    def edit_selected(self) -> TemplateEditor | None:
        row = self.selected()
        if row is None or row.shipped or self.body is None:
            return None
        templates, template_id = self.ws.desk.templates, row.id
        editor = TemplateEditor(
            self.ws,
            f"Edit {row.title}",
            self.body.model_dump(mode="json"),
            lambda body, note: templates.save(template_id, body, note).value,
            self,
        )
        editor.open()
        return editor

    def add_template(self) -> TemplateEditor:
        templates = self.ws.desk.templates
        starter = {
            "id": "new-template",
            "title": "New template",
            "category": "condition",
            "sources": ["Name the guideline this template follows"],
            "problems": [
                {
                    "key": "problem",
                    "description": "The problem or concern",
                    "goals": [
                        {
                            "key": "goal",
                            "description": "A measurable goal",
                            "patient_words": {"en": "What the patient wants, in their words."},
                            "weeks": 12,
                            "activities": [],
                        }
                    ],
                }
            ],
        }
        editor = TemplateEditor(self.ws, "Add a template", starter, templates.add, self)
        editor.open()
        return editor

    def retire_selected(self) -> None:
        row = self.selected()
        if row is None or row.shipped:
            return
        templates, template_id = self.ws.desk.templates, row.id
        self.ws.run(lambda: templates.retire(template_id))
