"""Column widths that follow the content: short columns (dates, scores, codes) get exactly the
width of their widest text, text columns (names, reasons, notes) share the rest — a column that
needs less than its share gives the difference to the others — and wrap when they must, so
the text is never cut off with "…". The last column no longer takes all the spare room.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QStyle, QTableView

#: A column whose widest text is at most this many average characters is a short column.
SHORT_CHARS = 22
#: A text column is never squeezed below this many average characters (it wraps instead).
MIN_TEXT_CHARS = 10
#: Rows measured for the widths (a lazy list may hold thousands; the first ones decide).
SAMPLE_ROWS = 1000


def share(needed: list[int], short: list[bool], room: int, floor: int | list[int]) -> list[int]:
    """Widths for columns that need ``needed`` pixels: short ones get what they need; text
    columns split what is left fairly (water-filling: a column needing less than an equal
    share keeps only what it needs, the rest is shared again), never below their ``floor``
    (one for all, or one per column: its longest word, which cannot wrap); room left over
    once everything fits goes to the text columns in proportion to their need."""
    floors = floor if isinstance(floor, list) else [floor] * len(needed)
    widths = [n if s else 0 for n, s in zip(needed, short, strict=True)]
    text = [i for i, s in enumerate(short) if not s]
    left = room - sum(widths)
    pending = sorted(text, key=lambda i: needed[i])
    while pending:
        fair = left // len(pending)
        column = pending[0]
        if needed[column] <= fair:
            widths[column] = needed[column]
            left -= needed[column]
            pending.pop(0)
            continue
        for column in pending:
            widths[column] = max(fair, floors[column])
        left = 0
        break
    if left > 0 and text:
        total = sum(needed[i] for i in text) or 1
        for column in text:
            widths[column] += left * needed[column] // total
    return widths


def short_columns(
    needed: list[int], room: int, short_px: int, floor: int | list[int]
) -> list[bool]:
    """Which columns keep their full width: those needing at most ``short_px``, less the
    widest of them while they would leave the text columns less than ``floor`` each (in a
    narrow list a short column wraps too, rather than scrolling sideways)."""
    floors = floor if isinstance(floor, list) else [floor] * len(needed)
    short = [n <= short_px for n in needed]
    while any(short):
        texts = sum(f for f, s in zip(floors, short, strict=True) if not s)
        if sum(n for n, s in zip(needed, short, strict=True) if s) + texts <= room:
            break
        widest = max((i for i, s in enumerate(short) if s), key=lambda i: needed[i])
        short[widest] = False
    return short


class ColumnFitter(QObject):
    """Refits a table's columns when its rows or its width change (once per event loop).

    A lazy list that grows a page at a time measures only the new rows, and only they are
    re-wrapped unless the widths changed, so scrolling a long list stays smooth.
    """

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.fit)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsRemoved,
                       model.dataChanged):  # fmt: skip
            signal.connect(self.again)
        model.rowsInserted.connect(self._inserted)
        view.viewport().installEventFilter(self)
        self._room = -1
        self._wrapped = False
        self._widest: list[int] | None = None  # per column, over the rows measured so far
        self._words: list[int] = []  # per column, the longest word (a wrap cannot split it)
        self._new: tuple[int, int] | None = None  # rows added since the last fit
        self._widths: list[int] = []

    def again(self, *_args: object) -> None:
        """Everything may have changed: measure every row at the next fit."""
        self._widest, self._new = None, None
        self.timer.start()

    def _inserted(self, _parent: object, first: int, last: int) -> None:
        if self._widest is not None:
            low, high = self._new or (first, last)
            self._new = (min(low, first), max(high, last))
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: the view got wider or narrower."""
        if event.type() == QEvent.Type.Resize and self.room() != self._room:
            self.timer.start()
        return False

    def room(self) -> int:
        """The width for the columns, as if the vertical scroll bar were shown: rows that grow
        to show wrapped text may bring it, and the columns must not then run past the edge."""
        bar = self.view.verticalScrollBar()
        width = self.view.viewport().width()
        return width if bar.isVisible() else width - bar.sizeHint().width()

    def needed(self, rows: range) -> tuple[list[int], list[int]]:
        """The width each column needs for the widest text in ``rows`` (and its header), and
        for its longest word."""
        view, model = self.view, self.view.model()
        metrics = view.fontMetrics()
        style = view.style()
        margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
        header = view.horizontalHeader()
        widths, words = [], []
        for column in range(model.columnCount()):
            widest, word = header.sectionSizeHint(column), 0
            for row in rows:
                text = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                if text:
                    line = max(str(text).splitlines() or [""], key=len)
                    widest = max(widest, metrics.horizontalAdvance(line) + margin + 2)
                    longest = max(str(text).split() or [""], key=len)
                    word = max(word, metrics.horizontalAdvance(longest) + margin + 2)
            widths.append(widest)
            words.append(word)
        return widths, words

    def fit(self) -> None:
        """Set the widths; rows grow to show wrapped text."""
        view = self.view
        model = view.model()
        if model is None or model.columnCount() == 0:
            return
        count = model.rowCount()
        new = self._new
        if self._widest is None or len(self._widest) != model.columnCount():
            self._widest, self._words = self.needed(range(min(count, SAMPLE_ROWS)))
        elif new is not None:
            added, words = self.needed(range(new[0], min(new[1] + 1, SAMPLE_ROWS)))
            self._widest = [max(a, b) for a, b in zip(self._widest, added, strict=True)]
            self._words = [max(a, b) for a, b in zip(self._words, words, strict=True)]
        self._new = None
        needed = self._widest
        self._room = self.room()
        char = view.fontMetrics().averageCharWidth()
        floor = [max(MIN_TEXT_CHARS * char, word) for word in self._words]
        short = short_columns(needed, self._room, SHORT_CHARS * char, floor)
        widths = share(needed, short, self._room, floor)
        changed = widths != self._widths
        self._widths = widths
        for column, width in enumerate(widths):
            view.setColumnWidth(column, width)
        if any(w < n for w, n in zip(widths, needed, strict=True)) or self._wrapped:
            self._wrapped = True  # once rows have grown, later fits must shrink them again
            if changed or new is None:
                view.resizeRowsToContents()
            else:
                for row in range(new[0], min(new[1] + 1, count)):
                    view.resizeRowToContents(row)
