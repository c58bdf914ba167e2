"""Small view helpers shared by the pages: every table sizes its columns to their content
(:mod:`ui.columns`) and sorts by a click on a header (the model decides how: in memory, or by
asking its query when it is lazy, see :mod:`ui.tables`)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.columns import ColumnFitter


def table_view(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only, row-selecting table whose columns follow their content, sortable by its
    headers, with an accessible name."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setMinimumSectionSize(view.fontMetrics().averageCharWidth() * 3)
    sortable(view)
    ColumnFitter(view)  # owned by the view
    return view


def sortable(view: QTableView) -> None:
    """Clicking a header sorts by it (again: the other way); a column the model cannot order
    (a lazy list's computed column before all rows are loaded) keeps the current order."""
    header = view.horizontalHeader()
    header.setSectionsClickable(True)
    header.setSortIndicatorShown(True)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    shown: list[tuple[int, Qt.SortOrder]] = [(-1, Qt.SortOrder.AscendingOrder)]

    def clicked(column: int, order: Qt.SortOrder) -> None:
        model = view.model()
        can_sort = getattr(model, "can_sort", None)
        if column < 0 or (can_sort is not None and not can_sort(column)):
            header.blockSignals(True)
            header.setSortIndicator(*shown[0])
            header.blockSignals(False)
            return
        shown[0] = (column, order)
        model.sort(column, order)

    header.sortIndicatorChanged.connect(clicked)
