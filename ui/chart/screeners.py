"""Screeners: one form per instrument of the registry (PHQ-9, PHQ-2, GAD-7, AUDIT-C,
AHC-HRSN…), built from its data file, with a live score and band, and the patient's history.

Scoring, bands and cut-offs come from ``careDesk.care.instruments`` (Kroenke 2001 PHQ-9,
Kroenke 2003 PHQ-2, Spitzer 2006 GAD-7, Bush 1998 and Bradley 2007 AUDIT-C, CMS AHC-HRSN 2017):
the UI only shows what those definitions say. Where the cut-off depends on the patient's sex
(AUDIT-C) the form says which one applies, and that the lower one is used when the record says
neither female nor male.
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
    Instrument,
    Item,
    all_instruments,
    domain_labels,
    required_items,
    score,
    short_name,
    skipped,
)
from careDesk.changes import Kind, kinds
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


def live_summary(inst: Instrument, answers: dict[str, Any], sex: str | None = None) -> str:
    """The running score and band as the form is filled in, for a patient of ``sex``."""
    needed = required_items(inst, answers)
    answered = [i for i in needed if i.id in answers]
    if len(answered) == len(needed):
        result = score(inst, answers, sex=sex)
        if inst.domains:
            labels = domain_labels(inst)
            found = [labels[d] for d in result.positive_domains]
            text = "Positive: " + ", ".join(found) if found else "No social needs found"
            return text + (PRIVATE_REVIEW_NOTE if result.private_review else "")
        text = f"Score {result.total}"
        text += f" · {result.band}" if result.band else ""
        if inst.cut_offs:
            text += " · positive screen" if result.positive else " · negative screen"
        if result.cut_off_why:
            text += f" (cut-off {result.cut_off}: {result.cut_off_why})"
        if result.urgent:
            text += " · URGENT: safety answer needs a call today"
        return text
    if inst.domains:
        return f"{len(answered)} of {len(needed)} answered"
    running = sum(int(answers[i.id]) for i in answered)
    return f"{len(answered)} of {len(needed)} answered · running total {running}"


def cut_off_hint(inst: Instrument) -> str:
    """The cut-offs of an instrument whose cut-off depends on sex, in words ("" otherwise)."""
    if not inst.by_sex:
        return ""
    rules = [c.why for c in inst.cut_offs if c.why]
    return "Positive screen: " + "; ".join(rules) + "."


class QuestionnaireForm(QWidget):
    """One instrument's questions as radio buttons (or check boxes for several answers)."""

    answers_changed = Signal()

    def __init__(self, inst: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inst = inst
        self.groups: dict[str, QButtonGroup] = {}
        self.multi: dict[str, list[QCheckBox]] = {}
        layout = QVBoxLayout(self)
        self.boxes: dict[str, QGroupBox] = {}
        self.hint: QLabel | None = None
        if inst.stem:
            stem = QLabel(inst.stem)
            stem.setWordWrap(True)
            stem.setObjectName("stem")
            layout.addWidget(stem)
        hint = cut_off_hint(inst)
        if hint:
            self.hint = QLabel(hint)
            self.hint.setWordWrap(True)
            self.hint.setObjectName("cutOffs")
            layout.addWidget(self.hint)
        for number, item in enumerate(inst.items, start=1):
            self.boxes[item.id] = self._question(number, item)
            layout.addWidget(self.boxes[item.id])
        layout.addStretch()
        self.answers_changed.connect(self._apply_skips)

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

    def _apply_skips(self) -> None:
        """The instrument's own skip rule: a question not asked after an earlier answer (AUDIT-C
        questions 2–3 after "Never") is cleared and greyed out."""
        answers = self.answers()
        for item in self.inst.items:
            if item.skip is None:
                continue
            skip = skipped(item, answers)
            self.boxes[item.id].setEnabled(not skip)
            group = self.groups.get(item.id)
            checked = group.checkedButton() if group is not None else None
            if skip and group is not None and checked is not None:
                group.setExclusive(False)
                checked.setChecked(False)
                group.setExclusive(True)
                self.answers_changed.emit()

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
    watches = kinds(Kind.SCREENER_RESULT)
    recorded = Signal(object)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.sex: str | None = None  # until the chart is shown: the lower cut-off applies
        self.instruments = {inst.id: inst for inst in all_instruments()}
        self.choice = QComboBox()
        self.choice.setAccessibleName("Questionnaire")
        for inst in self.instruments.values():
            self.choice.addItem(f"{inst.short_name}: {inst.title}", inst.id)
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
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form: QuestionnaireForm | None = None
        self.history = RowModel(
            [
                Column("Taken", lambda r: r.taken_at.astimezone().strftime("%Y-%m-%d")),
                Column("Screener", lambda r: short_name(r.instrument)),
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
        column.addWidget(self.scroller, 1)
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
        self.scroller.setWidget(self.form)
        self.result.clear()
        self._update_live()

    def show_chart(self, chart: Any) -> None:
        """The patient's recorded sex chooses the cut-off where it depends on sex (AUDIT-C)."""
        self.sex = chart.patient.sex
        self._update_live()

    def _update_live(self) -> None:
        assert self.form is not None
        try:
            self.live.setText(live_summary(self.form.inst, self.form.answers(), self.sex))
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
        text = f"Saved {short_name(reading.instrument)}: "
        text += _result_text(reading)
        if reading.cut_off_why:
            text += f" ({reading.cut_off_why})"
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
