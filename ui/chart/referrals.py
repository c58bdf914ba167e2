"""Referrals & resources: closed-loop referrals to providers, and community resources."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.referrals import next_step
from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

URGENCY = (("routine", "routine"), ("soon", "soon"), ("urgent", "urgent"))
NEEDS = (
    ("housing", "housing"),
    ("food", "food"),
    ("transportation", "transportation"),
    ("utilities", "utilities"),
    ("safety", "safety"),
    ("financial_strain", "money"),
    ("mental_health", "mental health"),
    ("other", "other"),
)


def _day(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d}" if moment is not None else ""


class ReferralsTab(ChartTab):
    """Referrals with their loop state, and resource referrals for social needs."""

    title = "Referrals & resources"
    watches = kinds(Kind.REFERRAL, Kind.RESOURCE_REFERRAL)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.directory: list[Any] = []
        self.referrals = RowModel(
            [
                Column("To", lambda r: r.to_name),
                Column("Why", lambda r: r.reason),
                Column("Urgency", lambda r: r.urgency),
                Column("State", lambda r: r.state.replace("_", " ")),
                Column("Sent", lambda r: _day(r.sent_at)),
            ],
            self,
        )
        self.referrals.urgent = lambda r: r.urgency == "urgent" and r.state != "closed"
        self.referral_view = table_view(self.referrals, "Referrals")
        self.resources = RowModel(
            [
                Column("Resource", lambda r: r.resource_name),
                Column("Need", lambda r: r.need.replace("_", " ")),
                Column("State", lambda r: r.state),
                Column("Referred", lambda r: f"{r.referred_on:%Y-%m-%d}"),
            ],
            self,
        )
        self.resource_view = table_view(self.resources, "Community resources")
        self.state = QComboBox()
        self.state.setAccessibleName("Resource referral state")
        self.state.addItems(["connected", "closed", "declined"])
        bar = QHBoxLayout()
        for text, slot in (
            ("New referral…", self.new_referral),
            ("Next step", self.next_step),
            ("Refer to a resource…", self.refer_resource),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(self.editable)
            bar.addWidget(button)
        set_state = QPushButton("Set resource state")
        set_state.clicked.connect(self.set_resource_state)
        for widget in (self.state, set_state):
            widget.setVisible(self.editable)
            bar.addWidget(widget)
        bar.addStretch()
        split = QSplitter(Qt.Orientation.Vertical)
        for title, view in (
            ("Referrals", self.referral_view),
            ("Community resources", self.resource_view),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

    def load(self) -> None:
        desk, pid = self.ws.desk, self.patient_id
        self.ws.run(lambda: desk.referrals.for_patient(pid), self.referrals.set_rows)
        self.ws.run(lambda: desk.resources.for_patient(pid), self.resources.set_rows)
        self.ws.run(desk.resources.search, self._directory_loaded)

    def new_referral(self) -> FormDialog:
        referrals, pid = self.ws.desk.referrals, self.patient_id
        fields = [
            Field("to_name", "Refer to", required=True),
            Field("specialty", "Specialty"),
            Field("reason", "Reason", "long", required=True),
            Field("urgency", "Urgency", "choice", URGENCY, default="routine"),
        ]
        dialog = FormDialog(
            self.ws, "New referral", fields, lambda v: referrals.create(pid, **v).value, self
        )
        dialog.open()
        return dialog

    def next_step(self) -> None:
        rows = self.referral_view.selectionModel().selectedRows()
        if not rows:
            return
        referral = self.referrals.row_at(rows[0].row())
        step = next_step(referral.state)  # the core's order (careDesk/care/referrals.py)
        if step is not None:
            referrals = self.ws.desk.referrals
            self.ws.run(lambda: referrals.advance(referral.id, step))

    def refer_resource(self) -> FormDialog:
        resources, pid = self.ws.desk.resources, self.patient_id
        choices = tuple((r.id, f"{r.name} ({r.category})") for r in self._directory())
        fields = [
            Field("resource_id", "Resource", "choice", choices),
            Field("need", "Need", "choice", NEEDS, default="food"),
        ]

        def refer(values: dict[str, Any]) -> Any:
            resource_id = values.pop("resource_id")
            return resources.refer(pid, resource_id, **values).value

        dialog = FormDialog(self.ws, "Refer to a community resource", fields, refer, self)
        dialog.open()
        return dialog

    def _directory(self) -> list[Any]:
        # The directory is a clinic's own short list, loaded with the tab.
        return list(self.directory)

    def _directory_loaded(self, rows: list[Any]) -> None:
        self.directory = rows

    def set_resource_state(self) -> None:
        rows = self.resource_view.selectionModel().selectedRows()
        if rows:
            item = self.resources.row_at(rows[0].row())
            resources, state = self.ws.desk.resources, self.state.currentText()
            self.ws.run(lambda: resources.set_state(item.id, state))
