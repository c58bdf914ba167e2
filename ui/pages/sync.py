"""Sync: this workstation's link to the clinic server (issue 10).

The status (last sync, changes waiting to send, offline), "Sync now" with its progress, the
conflicts the server reported for review, and the server settings (``ui.pages.sync_server``).
A sync runs on the database worker like every long job; it reports through a
:class:`ui.worker.Progress` the page polls, so the window stays responsive during the first
sync of a new workstation (a copy of the whole clinic).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Changes
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from careDesk.sync.conflict_words import field_text, mine, record_text, theirs
from careDesk.sync.reports import (
    LAST_ERROR,
    ConflictView,
    ServerSettings,
    SyncReport,
    SyncStatus,
)
from ui.pages.base import Page
from ui.pages.sync_server import ServerBox
from ui.pages.sync_words import (
    CHART_TAB,
    count_text,
    every_text,
    report_text,
    stage_text,
    theirs_tip,
)
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.worker import Cancelled, Progress
from ui.workspace import Workspace


def _local(when: datetime | None) -> str:
    return f"{when.astimezone():%a %Y-%m-%d %H:%M}" if when else ""


class ConflictsBox(QGroupBox):
    """What the server kept when two workstations changed the same thing, for review."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Conflicts to review", parent)
        self.ws = ws
        self.model = RowModel(
            [
                Column("When", lambda c: f"{c.at.astimezone():%Y-%m-%d %H:%M}"),
                Column("Patient", lambda c: c.patient),
                Column("Record", record_text, record_text),
                Column("Field", field_text, field_text),
                # Values can be long (a whole record): the tooltip shows all of it.
                Column("This workstation's value", mine, mine),
                Column("Kept (server) value", theirs, theirs_tip),
                Column("Clinical", lambda c: "yes" if c.clinical else "no"),
            ],
            self,
        )
        self.model.urgent = lambda c: c.clinical
        self.view = table_view(self.model, "Conflicts to review")
        self.view.activated.connect(self._activated)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.review_button = QPushButton("Mark reviewed")
        self.review_button.setToolTip("The kept value is right (or you fixed it in the chart)")
        self.review_button.clicked.connect(self.mark_reviewed)
        self.review_button.setVisible(ws.can(Permission.EDIT))
        self.chart_button = QPushButton("Open chart")
        self.chart_button.clicked.connect(self.open_chart)
        bar = QHBoxLayout()
        bar.addWidget(self.review_button)
        bar.addWidget(self.chart_button)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._enable()

    def load(self) -> None:
        self.ws.run(self.ws.desk.sync.conflicts, self._show)

    def _show(self, conflicts: list[ConflictView]) -> None:
        self.model.set_rows(conflicts)
        self.setTitle(f"Conflicts to review ({len(conflicts)})")
        self._enable()

    def selected(self) -> ConflictView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _enable(self) -> None:
        chosen = self.selected()
        self.review_button.setEnabled(chosen is not None)
        self.chart_button.setEnabled(chosen is not None and chosen.patient_id is not None)

    def mark_reviewed(self) -> None:
        """Resolve the selected conflict; the list reloads from the change it makes."""
        chosen, sync = self.selected(), self.ws.desk.sync
        if chosen is not None:
            self.ws.run(lambda: sync.resolve(chosen.id))

    def open_chart(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.patient_id:
            self.ws.open_chart.emit(chosen.patient_id, CHART_TAB.get(chosen.table, ""))

    def _activated(self, index: QModelIndex) -> None:
        self.view.selectRow(index.row())
        self.open_chart()


class SyncPage(Page):
    """Status and Sync now, the conflicts to review, and the clinic server settings."""

    #: After every Sync now, done or failed (the status bar refreshes its note).
    synced = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.last_error: CareDeskError | None = None
        self.progress: Progress | None = None
        self.confirm: QMessageBox | None = None  # the first sync's question, while open
        self.configured = False
        self.synced_at: datetime | None = None  # the last sync shown
        self._server_shown = False
        self.server = ServerBox(ws)
        for saved in (self.server.saved, self.server.mine.saved):
            saved.connect(self.refresh)
        self.conflicts = ConflictsBox(ws)
        top = QHBoxLayout()
        top.addWidget(self._status_box(), 1)
        top.addWidget(self.server, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.conflicts, 1)
        self.poll = QTimer(self)
        self.poll.setInterval(100)
        self.poll.timeout.connect(self._show_progress)
        # During a sync an edit still changes "waiting to send": read it again, at most once a
        # second (a burst of changes, a first sync's scores, asks once).
        self.recount = QTimer(self)
        self.recount.setSingleShot(True)
        self.recount.setInterval(1000)
        self.recount.timeout.connect(self._recount)

    def _status_box(self) -> QGroupBox:
        box = QGroupBox("This workstation")
        self.last_sync, self.pending = QLabel(), QLabel()
        self.connection, self.open_conflicts = QLabel(), QLabel()
        self.connection.setWordWrap(True)
        self.every = QLabel()
        self.every.setAccessibleName("Background sync")
        self.every.setWordWrap(True)
        form = QFormLayout()
        for text, label in (
            ("Last sync", self.last_sync),
            ("Changes waiting to send", self.pending),
            ("Clinic server", self.connection),
            ("Conflicts to review", self.open_conflicts),
        ):
            label.setAccessibleName(text)
            form.addRow(f"{text}:", label)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Send this workstation's changes and receive the clinic's")
        self.sync_button.clicked.connect(self.sync_now)
        for syncer in (self.sync_button, self.every):  # a read-only role never syncs
            syncer.setVisible(self.ws.can(Permission.EDIT))
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(
            "Stop this sync: what was sent or received so far is kept, the next sync carries on"
        )
        self.stop_button.clicked.connect(self.stop)
        self.stage = QLabel()
        self.stage.setAccessibleName("Sync progress")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Sync progress bar")
        self.bar.setTextVisible(False)
        self.result = QLabel()
        self.result.setAccessibleName("Sync result")
        self.result.setWordWrap(True)
        for widget in (self.stage, self.bar, self.stop_button):
            widget.setVisible(False)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.every)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch()
        layout.addLayout(buttons)
        for shown in (self.stage, self.bar, self.result):
            layout.addWidget(shown)
        layout.addStretch()
        return box

    # ----- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        sync, settings = self.ws.desk.sync, self.ws.desk.settings

        def read() -> tuple[SyncStatus, ServerSettings, int]:
            return sync.status(), sync.server(), settings.get_int("sync.every_minutes")

        self.ws.run(read, self._show_status)
        self.conflicts.load()
        if not self._server_shown:  # once: a reload must not wipe what an admin is typing
            self._server_shown = True
            self.server.load()

    def _changed(self, changes: Changes) -> None:
        """Override Page._changed: every edit changes "waiting to send". Mid-sync only that
        count, once a second at most (the page reloads once the sync is done)."""
        if not changes:
            return
        if self.progress is None:
            self.refresh()
        elif not self.recount.isActive():
            self.recount.start()

    def _recount(self) -> None:
        sync = self.ws.desk.sync
        self.ws.run(lambda: sync.status().pending, lambda n: self.pending.setText(f"{n:,}"))

    def _show_status(self, result: tuple[SyncStatus, ServerSettings, int]) -> None:
        status, server, every = result
        if status.last_sync_at != self.synced_at:  # a sync succeeded since (maybe the clock's)
            self.last_error = None
        self.synced_at = status.last_sync_at
        self.configured = bool(server.url and server.login)
        self.last_sync.setText(_local(status.last_sync_at) or "never")
        self.pending.setText(f"{status.pending:,}")
        self.open_conflicts.setText(f"{status.open_conflicts:,}")
        self.connection.setText(self._connection_text(status, server))
        self.every.setText(every_text(every, status.enabled and not status.incomplete))
        self.sync_button.setEnabled(self.configured and self.progress is None)

    def _connection_text(self, status: SyncStatus, server: ServerSettings) -> str:
        if not self.configured:
            if self.server.editable:
                return "Not set up: set it under Clinic server."
            if server.url:
                return "No login: set your own under Clinic server, or ask a clinic admin."
            return "Not set up: ask a clinic admin."
        if status.last_error in LAST_ERROR:
            return LAST_ERROR[status.last_error]
        if self.last_error is not None:  # one the core does not keep, e.g. no server set
            return "Refused at the last attempt (the reason is below)."
        return "Reached at the last sync." if status.last_sync_at else "Not synced yet."

    # ----- sync now ----------------------------------------------------------------------------
    def sync_now(self) -> None:
        """Sync on the database worker. Before this workstation's first sync, a person confirms
        sending its patients (demo patients above all) to every workstation of the clinic."""
        if self.progress is not None or self.confirm is not None:
            return
        self.ws.run(self.ws.desk.sync.first_sync_sends, self._confirm_first)

    def _confirm_first(self, sends: tuple[int, int] | None) -> None:
        if sends is None or sends[0] == 0:
            self._start_sync()
            return
        patients, demo = sends
        text = (
            f"This workstation's first sync sends its {patients:,} patients to the clinic "
            "server, and every workstation of the clinic will see them."
        )
        if demo:
            text += (
                f"\n\n{demo:,} of them are made-up demo patients. To keep them out of the "
                "clinic's records, join the clinic server from a new vault instead."
            )
        box = self.confirm = QMessageBox(
            QMessageBox.Icon.Warning if demo else QMessageBox.Icon.Question,
            "First sync",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Send them")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: self._confirmed(box))
        box.open()

    def _confirmed(self, box: QMessageBox) -> None:
        self.confirm = None
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            self._start_sync()

    def _start_sync(self) -> None:
        progress = self.progress = Progress(stage_text("send", 0, 0))
        sync = self.ws.desk.sync
        self.sync_button.setEnabled(False)
        self.result.clear()
        self.bar.setRange(0, 0)
        self.stop_button.setText("Stop")
        self.stop_button.setEnabled(True)
        for widget in (self.stage, self.bar, self.stop_button):
            widget.setVisible(True)
        self._show_progress()
        self.poll.start()
        self.ws.run(
            lambda: sync.run(progress),
            self._synced,
            self._sync_failed,
            progress=progress,  # a lock or sign-out stops the sync too, as Stop does
            dialog=False,  # the page shows it
        )

    def _show_progress(self) -> None:
        if self.progress is None:
            return
        message, done, total = self.progress.snapshot()
        self.stage.setText(count_text(message, done, total))
        self.bar.setRange(0, max(total, 0))  # 0..0: busy, the total is not known
        if total:
            self.bar.setValue(min(done, total))

    def stop(self) -> None:
        """Stop the running sync at its next step (a first sync's copy starts again later)."""
        if self.progress is not None:
            self.progress.cancel()
            self.stop_button.setEnabled(False)
            self.stop_button.setText("Stopping…")

    def _finish(self) -> None:
        self.poll.stop()
        self.progress = None
        for widget in (self.stage, self.bar, self.stop_button):
            widget.setVisible(False)
        self.load()
        self.synced.emit()

    def _synced(self, report: SyncReport) -> None:
        self.last_error = None
        self.result.setText(report_text(report))
        self._finish()

    def _sync_failed(self, error: CareDeskError) -> None:
        if isinstance(error, Cancelled):
            self.result.setText(
                "Stopped. What was sent or received is kept; the next sync carries on."
            )
        else:
            self.last_error = error
            self.result.setText(error.message)
        self._finish()
