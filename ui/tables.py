"""Table models: a lazy, paged model over ids for patient-sized lists, and a small row model.

:class:`PagedModel` keeps the ids in order and each row's plain data by id; the first page is
fetched on the database worker and further pages only when the view scrolls to the end
(``canFetchMore``/``fetchMore``), so a 50,000-patient list costs one page at a time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from ui.workspace import Workspace

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

URGENT = QColor("#a4262c")


@dataclass(frozen=True)
class Column:
    """A column: its title, how to show a row in it, and an optional tooltip."""

    title: str
    text: Callable[[Any], Any]
    tooltip: Callable[[Any], str] | None = None
    #: How a lazy model's query orders by this column (e.g. "name"); None: only once every
    #: row is loaded. A small :class:`RowModel` sorts any column in memory.
    order: str | None = None


#: A lazy model's order: (the column's ``order`` key, descending?); None = the query's own.
Ordering = tuple[str, bool] | None


def sort_key(value: Any) -> tuple[int, float, str]:
    """How a cell sorts as a user expects: empty last, numbers as numbers, text by letters
    (case and accents as the words sort in a list, not by code point)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return (2, 0.0, "")
    try:
        return (0, float(text.rstrip("%").replace(",", "")), "")
    except ValueError:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return (1, 0.0, "".join(c for c in decomposed if not unicodedata.combining(c)))


def row_id(row: Any) -> str:
    """The id of a row given as a mapping or an object with an ``id``/``patient_id``."""
    if isinstance(row, dict):
        return str(row.get("patient_id") or row.get("id"))
    return str(getattr(row, "patient_id", None) or row.id)


class RowModel(QAbstractTableModel):
    """A small list of plain rows shown in columns (search results, users, audit events)."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.urgent: Callable[[Any], bool] = lambda _row: False
        #: The column and order the user sorted by (kept when the rows are reloaded).
        self.sorted: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if self.sorted is not None:
            self._order_rows(*self.sorted)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row]

    def can_sort(self, column: int) -> bool:
        """Whether a click on this column's header can order the rows."""
        return 0 <= column < len(self.columns)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Override QAbstractItemModel::sort: order the rows held by the column's text."""
        if not self.can_sort(column):
            return
        self._sort_rows(column, order)

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        """Sort in place; the selection and the current row follow their record (a selected
        follow-up must not become another patient's when the list is re-ordered)."""
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        records = [self.rows[i.row()] if 0 <= i.row() < len(self.rows) else None for i in kept]
        self._order_rows(column, order)
        where = {id(row): n for n, row in enumerate(self.rows)}
        moved = [
            self.index(where[id(r)], i.column()) if r is not None else QModelIndex()
            for r, i in zip(records, kept, strict=True)
        ]
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    def _order_rows(self, column: int, order: Qt.SortOrder) -> None:
        text = self.columns[column].text
        self.sorted = (column, order)
        descending = order == Qt.SortOrder.DescendingOrder
        self.rows.sort(key=lambda r: sort_key(text(r)), reverse=descending)

    def rowCount(self, parent: Index = _ROOT) -> int:
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        """Override QAbstractItemModel::columnCount."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            value = column.text(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and self.urgent(row):
            return QBrush(URGENT)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Override QAbstractItemModel::headerData."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].title
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None


class PagedModel(RowModel):
    """Rows over ids, fetched a page at a time on the worker as the view scrolls.

    ``fetch(limit, offset, last_row)`` runs on the worker and returns the next page (keyset
    paging can use ``last_row``; offset paging ``offset``).
    """

    page_loaded = Signal(int)  # rows now held

    def __init__(
        self,
        ws: Workspace,
        columns: Sequence[Column],
        fetch: Callable[[int, int, Any], Sequence[Any]],
        *,
        page_size: int = 100,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, parent)
        self.ws = ws
        self.fetch = fetch
        self.page_size = page_size
        self.ids: list[str] = []
        self.by_id: dict[str, Any] = {}
        self._more = True
        self._loading = False
        self._generation = 0
        #: The order asked of the query (a column with an ``order`` key was clicked).
        self.ordering: Ordering = None
        #: Builds the fetch for the current filters and :attr:`ordering` (set by the page).
        self.refetch: Callable[[], Callable[[int, int, Any], Sequence[Any]]] | None = None

    def reload(self, fetch: Callable[[int, int, Any], Sequence[Any]] | None = None) -> None:
        """Start over (new filters): results of an older generation are dropped."""
        if fetch is not None:
            self.fetch = fetch
        self._generation += 1
        self.beginResetModel()
        self.ids, self.by_id, self.rows = [], {}, []
        self._more, self._loading = True, False
        self.endResetModel()
        self._request()

    def _request(self) -> None:
        if self._loading or not self._more:
            return
        self._loading = True
        generation, offset, fetch, size = (
            self._generation,
            len(self.ids),
            self.fetch,
            self.page_size,
        )
        last = self.rows[-1] if self.rows else None
        self.ws.run(
            lambda: list(fetch(size, offset, last)),
            lambda rows: self._arrived(generation, rows),
            lambda _error: self._failed(generation),
        )

    def _failed(self, generation: int) -> None:
        if generation == self._generation:
            self._loading = False
            self._more = False

    def _arrived(self, generation: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return  # stale: the filters changed while this page was on its way
        self._loading = False
        self._more = len(rows) >= self.page_size
        fresh = [r for r in rows if row_id(r) not in self.by_id]
        if fresh:
            start = len(self.ids)
            self.beginInsertRows(_ROOT, start, start + len(fresh) - 1)
            for row in fresh:
                self.ids.append(row_id(row))
                self.by_id[row_id(row)] = row
                self.rows.append(row)
            self.endInsertRows()
        if self.sorted is not None and not self._more:
            self._sort_rows(*self.sorted)
        self.page_loaded.emit(len(self.ids))

    def can_sort(self, column: int) -> bool:
        """Columns the query can order by; any column once every row is here."""
        if not 0 <= column < len(self.columns):
            return False
        ordered = self.columns[column].order is not None and self.refetch is not None
        return ordered or not self._more

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Override QAbstractItemModel::sort: ask the query for the order (only the pages
        shown are loaded), or sort in memory when every row is already here."""
        if not self.can_sort(column):
            return
        key = self.columns[column].order
        if key is not None and self.refetch is not None and (self._more or self.ordering):
            self.sorted = None
            self.ordering = (key, order == Qt.SortOrder.DescendingOrder)
            self.reload(self.refetch())
            return
        self._sort_rows(column, order)

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        """Override QAbstractItemModel::canFetchMore."""
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Index = _ROOT) -> None:
        """Override QAbstractItemModel::fetchMore: ask the worker for the next page."""
        if not parent.isValid():
            self._request()
