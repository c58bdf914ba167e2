"""Resources: the clinic's community resource directory (search, add, refer a patient)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from careDesk.care.languages import patient_languages
from careDesk.care.resources import CATEGORIES
from careDesk.changes import Kind, kinds
from careDesk.security.roles import Permission
from ui.dialogs import Field, FormDialog, make_searchable
from ui.pages.base import Page
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

CATEGORY_CHOICES = tuple((c, c.replace("_", " ")) for c in CATEGORIES)
RESOURCE_FIELDS = [
    Field("name", "Name", required=True),
    Field("category", "Category", "choice", CATEGORY_CHOICES, default="food"),
    Field("phone", "Phone"),
    Field("address", "Address"),
    Field("hours", "Opening hours"),
    Field("languages", "Languages", default="en", placeholder="e.g. en, es, vi"),
    Field("eligibility", "Who can use it"),
]


class ResourcesPage(Page):
    """Search by words, category and language; add a resource."""

    watches = kinds(Kind.COMMUNITY_RESOURCE)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.text = QLineEdit()
        self.text.setAccessibleName("Search resources")
        self.text.setPlaceholderText("Search resources (food bank, rides, crédito…)")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("all categories", "")
        for value, label in CATEGORY_CHOICES:
            self.category.addItem(label, value)
        self.language = QComboBox()
        self.language.setAccessibleName("Language")
        self.language.addItem("any language", "")
        for value, label in patient_languages():
            self.language.addItem(label, value)
        make_searchable(self.language)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.load)
        self.text.textChanged.connect(self.timer.start)
        self.category.currentIndexChanged.connect(self.load)
        self.language.currentIndexChanged.connect(self.load)
        self.model = RowModel(
            [
                Column("Name", lambda r: r.name),
                Column("Category", lambda r: r.category.replace("_", " ")),
                Column("Phone", lambda r: r.phone or ""),
                Column("Hours", lambda r: r.hours or ""),
                Column("Languages", lambda r: r.languages),
                Column("Address", lambda r: r.address or "", lambda r: r.eligibility or ""),
            ],
            self,
        )
        self.view = table_view(self.model, "Community resources")
        add = QPushButton("Add resource…")
        add.setVisible(ws.can(Permission.EDIT))
        add.clicked.connect(self.add_resource)
        bar = QHBoxLayout()
        for widget in (self.text, self.category, self.language, add):
            bar.addWidget(widget)
        bar.setStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self.generation = 0

    def load(self) -> None:
        resources = self.ws.desk.resources
        text, category = self.text.text(), str(self.category.currentData() or "")
        language = str(self.language.currentData() or "")
        self.generation += 1
        generation = self.generation
        self.ws.run(
            lambda: resources.search(text, category=category, language=language),
            lambda rows: self._show(generation, rows),
        )

    def _show(self, generation: int, rows: list[Any]) -> None:
        if generation == self.generation:
            self.model.set_rows(rows)

    def add_resource(self) -> FormDialog:
        resources = self.ws.desk.resources
        dialog = FormDialog(
            self.ws,
            "Add a community resource",
            RESOURCE_FIELDS,
            lambda v: resources.add(**v).value,
            self,
        )
        dialog.open()
        return dialog
