"""Referrals & resources: referrals worked step by step (each dated, with a note, the button
naming what comes next), their history, expected-by and lateness, and community resources."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.referral_recipients import recipients, screened_needs
from careDesk.care.referral_rules import next_step
from careDesk.care.referrals import ReferralRead
from careDesk.changes import Kind, kinds
from careDesk.words import say
from ui.actionbar import ActionBar
from ui.chart import referral_dialogs as dialogs
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace


def _day(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d}" if moment is not None else ""


def late_words(referral: ReferralRead) -> str:
    """ "3 days late", "due today", "" once ended."""
    if not referral.is_open:
        return ""
    if referral.days_late:
        return f"{referral.days_late} day{'s' if referral.days_late != 1 else ''} late"
    return ""


class ReferralsTab(ChartTab):
    """Referrals with their loop state and history, and resource referrals for social needs."""

    title = "Referrals & resources"
    watches = kinds(Kind.REFERRAL, Kind.REFERRAL_STEP, Kind.RESOURCE_REFERRAL)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.directory: list[Any] = []
        self.choices: list[Any] = []
        self.needs: list[str] = []  # found by the latest social-needs screen
        self.wanted: str | None = None  # a referral to select once loaded (from the queue)
        self.referrals = RowModel(
            [
                Column("To", lambda r: r.to_name),
                Column("Why", lambda r: r.reason),
                Column("Urgency", lambda r: r.urgency),
                Column("State", dialogs.state_words),
                Column("Expected by", lambda r: f"{r.due_by:%Y-%m-%d}"),
                Column("Late", late_words),
                Column("Sent", lambda r: _day(r.sent_at)),
            ],
            self,
        )
        self.referrals.urgent = lambda r: r.is_open and (r.late or r.urgency == "urgent")
        self.referral_view = table_view(self.referrals, "Referrals")
        self.referral_view.selectionModel().selectionChanged.connect(self._selected)
        self.history = RowModel(
            [
                Column("Day", lambda s: f"{s.on_date:%Y-%m-%d}"),
                Column(
                    "Step", lambda s: dialogs.ENDING_WORDS.get(s.step, s.step.replace("_", " "))
                ),
                Column("Note", lambda s: s.note or ""),
            ],
            self,
        )
        self.history_view = table_view(self.history, "Referral history")
        self.resources = RowModel(
            [
                Column("Resource", lambda r: r.resource_name),
                Column("Need", lambda r: say(r.need)),
                Column("State", lambda r: r.state),
                Column("Referred", lambda r: f"{r.referred_on:%Y-%m-%d}"),
            ],
            self,
        )
        self.resource_view = table_view(self.resources, "Community resources")
        layout = QVBoxLayout(self)
        layout.addLayout(self._buttons())
        layout.addWidget(self._panes(), 1)

    def _buttons(self) -> QHBoxLayout:
        bar = ActionBar("Referral actions")
        new = bar.add("New referral…", self.new_referral)
        self.step_button = bar.add("Next step…", self.next_step)
        self.step_button.setAccessibleName("Next step")
        self.end_button = bar.add("End referral…", self.end_referral)
        self.expected_button = bar.add("Expected by…", self.edit_expected_by)
        self.undo_button = bar.add("Undo last step…", self.undo_last_step)
        self.undo_button.setToolTip("Take back a step or ending entered by mistake")
        resource = bar.add("Refer to a resource…", self.refer_resource)
        for button in (new, self.step_button, self.end_button, self.expected_button):
            button.setVisible(self.editable)
        self.undo_button.setVisible(self.editable)
        resource.setVisible(self.editable)
        self.state = QComboBox()
        self.state.setAccessibleName("Resource referral state")
        self.state.addItems(["connected", "closed", "declined"])
        set_state = QPushButton("Set resource state")
        set_state.clicked.connect(self.set_resource_state)
        top = QHBoxLayout()
        top.addWidget(bar, 1)
        for widget in (self.state, set_state):
            widget.setVisible(self.editable)
            top.addWidget(widget)
        self._selected()
        return top

    def _panes(self) -> QSplitter:
        # The referrals and the selected one's steps side by side, the resources below: two
        # rows of lists fit a laptop's chart (1280 × 720) where three stacked ones did not.
        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.history_title = QLabel("Select a referral to see its steps.")
        self.history_title.setWordWrap(True)
        for title, view, extra, holder in (
            ("Referrals", self.referral_view, None, top),
            ("Steps of the selected referral", self.history_view, self.history_title, top),
            ("Community resources", self.resource_view, None, split),
        ):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            if extra is not None:
                inner.addWidget(extra)
            inner.addWidget(view)
            holder.addWidget(box)
        split.insertWidget(0, top)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        return split

    def load(self) -> None:
        desk, pid = self.ws.desk, self.patient_id
        self.ws.run(lambda: desk.referrals.for_patient(pid), self._referrals_loaded)
        self.ws.run(lambda: desk.resources.for_patient(pid), self.resources.set_rows)
        self.ws.run(desk.resources.search, self._directory_loaded)
        self.ws.run(lambda: recipients(desk, pid), self._recipients_loaded)
        self.ws.run(lambda: screened_needs(desk, pid), self._needs_loaded)

    def _referrals_loaded(self, rows: list[ReferralRead]) -> None:
        current = self.selected()
        keep = self.wanted or (current.id if current is not None else None)
        self.referrals.set_rows(rows)
        self.wanted = None
        ids = [r.id for r in rows]
        if keep in ids:
            self.referral_view.selectRow(ids.index(keep))
        self._selected()

    def show_referral(self, referral_id: str) -> None:
        """Select ``referral_id`` (now, or when the list arrives): the queue opens it here."""
        ids = [r.id for r in self.referrals.rows]
        if referral_id in ids:
            self.referral_view.selectRow(ids.index(referral_id))
        else:
            self.wanted = referral_id

    # ----- the selected referral -----------------------------------------------------------
    def selected(self) -> ReferralRead | None:
        rows = self.referral_view.selectionModel().selectedRows()
        return self.referrals.row_at(rows[0].row()) if rows else None

    def _selected(self, *_args: Any) -> None:
        """Name the next step on the button; show the selected referral's history."""
        referral = self.selected()
        step = next_step(referral.state) if referral is not None else None
        words = dialogs.STEP_WORDS[step] if step is not None else "Next step"
        self.step_button.setText(f"{words}…")
        self.step_button.setEnabled(step is not None)
        self.end_button.setEnabled(referral is not None and referral.is_open)
        self.expected_button.setEnabled(referral is not None and referral.is_open)
        self.undo_button.setEnabled(referral is not None and referral.state != "draft")
        if referral is None:
            self.history.set_rows([])
            return
        self.history_title.setText(f"{referral.to_name}: expected by {referral.due_by:%Y-%m-%d}")
        referrals, rid = self.ws.desk.referrals, referral.id
        self.ws.run(lambda: referrals.history(rid), self.history.set_rows)

    def new_referral(self) -> FormDialog:
        return dialogs.new_referral(self.ws, self.patient_id, self.choices, self)

    def next_step(self) -> FormDialog | None:
        referral = self.selected()
        step = next_step(referral.state) if referral is not None else None
        if referral is None or step is None:
            return None
        return dialogs.step_dialog(self.ws, referral, step, self)

    def end_referral(self) -> FormDialog | None:
        referral = self.selected()
        if referral is None or not referral.is_open:
            return None
        return dialogs.end_dialog(self.ws, referral, self)

    def edit_expected_by(self) -> FormDialog | None:
        referral = self.selected()
        if referral is None:
            return None
        referrals, rid = self.ws.desk.referrals, referral.id
        field = Field("expected_by", "Expected by", "date", required=True)
        dialog = FormDialog(
            self.ws,
            f"Expected by: {referral.to_name}",
            [field],
            lambda v: referrals.update(rid, **v).value,
            self,
        )
        dialog.set_value("expected_by", f"{referral.due_by:%Y-%m-%d}")
        dialog.open()
        return dialog

    def undo_last_step(self) -> FormDialog | None:
        referral = self.selected()
        if referral is None or referral.state == "draft":
            return None
        referrals, rid = self.ws.desk.referrals, referral.id
        last = dialogs.state_words(referral)
        field = Field("reason", f"What was wrong with “{last}”?", "long", required=True)
        dialog = FormDialog(
            self.ws,
            f"Undo “{last}”: {referral.to_name}",
            [field],
            lambda v: referrals.undo_last_step(rid, v["reason"]).value,
            self,
            ok_text="Undo the step",
        )
        dialog.open()
        return dialog

    # ----- community resources -------------------------------------------------------------
    def refer_resource(self, need: str | None = None) -> FormDialog:
        """Refer to a resource, starting on ``need``, else the first need the latest screen
        found, else food (as before: the coordinator changes it to the need at hand)."""
        start = need or (self.needs[0] if self.needs else "food")
        return dialogs.resource_dialog(self.ws, self.patient_id, list(self.directory), self, start)

    def _needs_loaded(self, needs: list[str]) -> None:
        self.needs = needs

    def _directory_loaded(self, rows: list[Any]) -> None:
        self.directory = rows

    def _recipients_loaded(self, rows: list[Any]) -> None:
        self.choices = rows

    def set_resource_state(self) -> None:
        rows = self.resource_view.selectionModel().selectedRows()
        if rows:
            item = self.resources.row_at(rows[0].row())
            resources, state = self.ws.desk.resources, self.state.currentText()
            self.ws.run(lambda: resources.set_state(item.id, state))
