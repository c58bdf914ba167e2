"""Care team: who looks after the patient, their roles and how to reach them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

MEMBER_FIELDS = [
    Field("name", "Name", required=True),
    Field("role", "Role", required=True, placeholder="e.g. primary care, pharmacist, daughter"),
    Field("phone", "Phone"),
    Field("email", "E-mail"),
    Field("lead", "Lead for this patient", "bool"),
]


class TeamTab(ChartTab):
    """The patient's care team with the lead first."""

    title = "Care team"
    watches = kinds(Kind.CARE_TEAM_MEMBER)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.model = RowModel(
            [
                Column("Name", lambda m: m.name + (" (lead)" if m.lead else "")),
                Column("Role", lambda m: m.role),
                Column("Phone", lambda m: m.phone or ""),
                Column("E-mail", lambda m: m.email or ""),
            ],
            self,
        )
        self.view = table_view(self.model, "Care team")
        add = QPushButton("Add team member…")
        add.clicked.connect(self.add_member)
        remove = QPushButton("Remove selected")
        remove.clicked.connect(self.remove_member)
        bar = QHBoxLayout()
        for button in (add, remove):
            button.setVisible(self.editable)
            bar.addWidget(button)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

    def load(self) -> None:
        team, pid = self.ws.desk.team, self.patient_id
        self.ws.run(lambda: team.members(pid), self.model.set_rows)

    def add_member(self) -> FormDialog:
        team, pid = self.ws.desk.team, self.patient_id
        dialog = FormDialog(
            self.ws,
            "Add to the care team",
            MEMBER_FIELDS,
            lambda v: team.add_member(pid, **v).value,
            self,
        )
        dialog.open()
        return dialog

    def remove_member(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            member: Any = self.model.row_at(rows[0].row())
            team = self.ws.desk.team
            self.ws.run(lambda: team.remove_member(member.id))
