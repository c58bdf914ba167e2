"""Screeners: PHQ-9, PHQ-2, GAD-7 and AHC-HRSN forms built from the instrument definitions,
with a live score and band, and the patient's history.

Scoring and bands come from ``careDesk.care.instruments`` (Kroenke 2001 PHQ-9, Kroenke 2003
PHQ-2, Spitzer 2006 GAD-7, CMS AHC-HRSN 2017): the UI only shows what those definitions say.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.instruments import (
    SHORT_NAMES,
    Instrument,
    Item,
    all_instruments,
    domain_labels,
    score,
)
from careDesk.errors import CareDeskError, ValidationFailed
from ui.chart.base import ChartTab
from ui.tables import Column, RowModel
from ui.views import size_columns, table_view
from ui.workspace import Workspace

# careDesk's own rule, not a CMS rule (careDesk.care.screeners): said so wherever it shows.
PRIVATE_REVIEW_NOTE = (
    " · physically hurt answered other than Never: a private safety review will open "
    "(careDesk rule, not a CMS rule)"
)
PRIVATE_REVIEW_SAVED = (
    ". A private safety review for today was added to the follow-ups, with an alert: talk with "
    "the patient alone. This is careDesk's own rule, not a CMS rule; no message or handout "
    "mentions it."
)


def live_summary(inst: Instrument, answers: dict[str, Any]) -> str:
    """The running score and band as the form is filled in."""
    scored_items = inst.scored_items
    answered = [i for i in scored_items if i.id in answers]
    if len(answered) == len(scored_items):
        result = score(inst, answers)
        if inst.domains:
            labels = domain_labels(inst)
            found = [labels[d] for d in result.positive_domains]
            text = "Positive: " + ", ".join(found) if found else "No social needs found"
            return text + (PRIVATE_REVIEW_NOTE if result.private_review else "")
        text = f"Score {result.total}"
        text += f" · {result.band}" if result.band else ""
        text += " · positive screen" if result.positive else ""
        if result.urgent:
            text += " · URGENT: safety answer needs a call today"
        return text
    if inst.domains:
        return f"{len(answered)} of {len(scored_items)} answered"
    running = sum(int(answers[i.id]) for i in answered)
    return f"{len(answered)} of {len(scored_items)} answered · running total {running}"


class QuestionnaireForm(QWidget):
    """One instrument's questions as radio buttons (or check boxes for several answers)."""

    answers_changed = Signal()

    def __init__(self, inst: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inst = inst
        self.groups: dict[str, QButtonGroup] = {}
        self.multi: dict[str, list[QCheckBox]] = {}
        layout = QVBoxLayout(self)
        if inst.stem:
            stem = QLabel(inst.stem)
            stem.setWordWrap(True)
            stem.setObjectName("stem")
            layout.addWidget(stem)
        for number, item in enumerate(inst.items, start=1):
            layout.addWidget(self._question(number, item))
        layout.addStretch()

    def _question(self, number: int, item: Item) -> QGroupBox:
        box = QGroupBox()
        box.setAccessibleName(item.text)
        column = QVBoxLayout(box)
        question = QLabel(f"{number}. {item.text}")
        question.setObjectName("question")
        question.setWordWrap(True)
        column.addWidget(question)
        # Short answer scales sit on one line; long choice lists stack.
        row: QHBoxLayout | QVBoxLayout = (
            QHBoxLayout() if len(item.options) <= 5 and item.kind != "multi" else QVBoxLayout()
        )
        column.addLayout(row)
        if item.kind == "multi":
            checks = [QCheckBox(option.text) for option in item.options]
            for check in checks:
                check.toggled.connect(self.answers_changed)
                row.addWidget(check)
            self.multi[item.id] = checks
            return box
        group = QButtonGroup(box)
        for position, option in enumerate(item.options):
            radio = QRadioButton(option.text)
            group.addButton(radio, position)
            row.addWidget(radio)
        if isinstance(row, QHBoxLayout):
            row.addStretch()
        group.buttonToggled.connect(self._toggled)
        self.groups[item.id] = group
        return box

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.answers_changed.emit()

    def answers(self) -> dict[str, Any]:
        """The answers given so far, keyed by question id, as the instrument expects them."""
        answers: dict[str, Any] = {}
        for item in self.inst.items:
            if item.id in self.groups:
                chosen = self.groups[item.id].checkedId()
                if chosen >= 0:
                    answers[item.id] = item.options[chosen].key
            else:
                picked = [
                    str(o.key)
                    for o, c in zip(item.options, self.multi[item.id], strict=True)
                    if c.isChecked()
                ]
                if picked:
                    answers[item.id] = picked
        return answers

    def answer(self, item_id: str, key: Any) -> None:
        """Choose an answer (keyboard users click; tests call this)."""
        item = self.inst.item(item_id)
        assert item is not None
        keys = [o.key for o in item.options]
        if item_id in self.groups:
            button = self.groups[item_id].button(keys.index(key))
            button.setChecked(True)
            return
        for option_key, check in zip(keys, self.multi[item_id], strict=True):
            check.setChecked(str(option_key) in {str(k) for k in key})


class ScreenersTab(ChartTab):
    """Pick an instrument, answer it with a live score, save; the history beside it."""

    title = "Screeners"
    watches = frozenset({"screener"})
    recorded = Signal(object)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.instruments = {inst.id: inst for inst in all_instruments()}
        self.choice = QComboBox()
        self.choice.setAccessibleName("Questionnaire")
        for inst in self.instruments.values():
            self.choice.addItem(f"{SHORT_NAMES[inst.id]}: {inst.title}", inst.id)
        self.choice.currentIndexChanged.connect(self._pick)
        self.live = QLabel()
        self.live.setObjectName("liveScore")
        self.live.setAccessibleName("Live score")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setObjectName("screenerResult")
        self.save = QPushButton("Save answers")
        self.save.clicked.connect(self.submit)
        self.save.setVisible(self.editable)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form: QuestionnaireForm | None = None
        self.history = RowModel(
            [
                Column("Taken", lambda r: r.taken_at.astimezone().strftime("%Y-%m-%d")),
                Column("Screener", lambda r: SHORT_NAMES.get(r.instrument, r.instrument)),
                Column("Score", lambda r: "" if r.total is None else r.total),
                Column("Result", _result_text),
            ],
            self,
        )
        self.history_view = table_view(self.history, "Screener history")
        size_columns(self.history_view, [12, 10, 7])
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.choice)
        column.addWidget(self.scroll, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.live, 1)
        bar.addWidget(self.save)
        column.addLayout(bar)
        column.addWidget(self.result)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.history_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        chars = self.fontMetrics().averageCharWidth()
        split.setSizes([chars * 90, chars * 50])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._pick()

    def select(self, instrument_id: str) -> QuestionnaireForm:
        """Show the form of ``instrument_id`` (e.g. "phq9")."""
        self.choice.setCurrentIndex(self.choice.findData(instrument_id))
        assert self.form is not None
        return self.form

    def _pick(self) -> None:
        inst = self.instruments[str(self.choice.currentData())]
        self.form = QuestionnaireForm(inst)
        self.form.setEnabled(self.editable)
        self.form.answers_changed.connect(self._update_live)
        self.scroll.setWidget(self.form)
        self.result.clear()
        self._update_live()

    def _update_live(self) -> None:
        assert self.form is not None
        try:
            self.live.setText(live_summary(self.form.inst, self.form.answers()))
        except ValidationFailed as error:
            self.live.setText(error.message)

    def load(self) -> None:
        screeners, pid = self.ws.desk.screeners, self.patient_id
        self.ws.run(lambda: screeners.history(pid), self.history.set_rows)

    def submit(self) -> None:
        """Score and store the answers (the core re-checks every item)."""
        assert self.form is not None
        screeners, pid = self.ws.desk.screeners, self.patient_id
        inst_id, answers = self.form.inst.id, self.form.answers()
        self.save.setEnabled(False)
        self.ws.run(
            lambda: screeners.record(pid, inst_id, answers).value, self._saved, self._failed
        )

    def _saved(self, reading: Any) -> None:
        self.save.setEnabled(True)
        self._pick()  # a fresh, empty form for the next questionnaire
        text = f"Saved {SHORT_NAMES.get(reading.instrument, reading.instrument)}: "
        text += _result_text(reading)
        if reading.urgent:
            text += ". An urgent call for today was added to the follow-ups, with an alert."
        if getattr(reading, "private_review", False):
            text += PRIVATE_REVIEW_SAVED
        self.result.setText(text)
        self.recorded.emit(reading)

    def _failed(self, error: CareDeskError) -> None:
        self.save.setEnabled(True)
        self.result.setText(error.message)


def _result_text(reading: Any) -> str:
    if reading.positive_domains:
        return "positive: " + ", ".join(reading.positive_domains)
    parts = [reading.band or ("positive" if reading.positive else "negative")]
    if getattr(reading, "urgent", False):
        parts.append("urgent")
    return ", ".join(p for p in parts if p)
