"""Painting and clicking inside table cells: links, asset-key lines and the
"View metadata ▾" split button.

Delegates only paint and hit-test; what a click means is decided by whoever
listens to their signals."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionToolButton,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.ui.change_colors import SIGN_MEANINGS, Meaning, color
from desktop_app.ui.history_model import AssetLine
from desktop_app.ui.roles import ASSET_LINES_ROLE, LINK_ROLE

Index = QModelIndex | QPersistentModelIndex
PADDING = 4
LINK_GAP = "   "


def _plain(index: Index) -> QModelIndex:
    if isinstance(index, QModelIndex):
        return index
    return index.model().index(index.row(), index.column(), index.parent())


def _link_font(option: QStyleOptionViewItem) -> QFont:
    font = QFont(option.font)
    font.setUnderline(True)
    return font


def _text_rect(option: QStyleOptionViewItem) -> QRect:
    return option.rect.adjusted(PADDING, 0, -PADDING, 0)


def _is_double_click(event: QEvent) -> bool:
    return event.type() == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent)


def _is_release(event: QEvent) -> bool:
    return (
        event.type() == QEvent.Type.MouseButtonRelease
        and isinstance(event, QMouseEvent)
        and event.button() == Qt.MouseButton.LeftButton
    )


class LinkDelegate(QStyledItemDelegate):
    """Draws `LINK_ROLE` text as a link (after the display text unless they
    are the same). Signals: link_activated(QModelIndex) on a click on it."""

    link_activated = Signal(QModelIndex)

    def _parts(self, index: Index) -> tuple[str, str | None]:
        display = index.data(Qt.ItemDataRole.DisplayRole) or ""
        link = index.data(LINK_ROLE)
        if not link:
            return str(display), None
        return ("" if link == display else str(display)), str(link)

    def _link_rect(self, option: QStyleOptionViewItem, index: Index) -> QRect | None:
        plain, link = self._parts(index)
        if link is None:
            return None
        rect = _text_rect(option)
        offset = 0
        if plain:
            offset = QFontMetrics(option.font).horizontalAdvance(plain + LINK_GAP)
        width = QFontMetrics(_link_font(option)).horizontalAdvance(link)
        return QRect(
            rect.left() + offset, rect.top(), min(width, rect.width() - offset), rect.height()
        )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        plain, link = self._parts(index)
        if link is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        rect = _text_rect(opt)
        painter.save()
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if plain:
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            painter.setPen(opt.palette.color(role))
            painter.setFont(opt.font)
            painter.drawText(rect, align, plain)
            rect.setLeft(rect.left() + opt.fontMetrics.horizontalAdvance(plain + LINK_GAP))
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Link
        painter.setPen(opt.palette.color(role))
        font = _link_font(opt)
        painter.setFont(font)
        elided = QFontMetrics(font).elidedText(
            link, Qt.TextElideMode.ElideRight, max(0, rect.width())
        )
        painter.drawText(rect, align, elided)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        plain, link = self._parts(index)
        size = super().sizeHint(option, index)
        if link is None:
            return size
        width = QFontMetrics(_link_font(option)).horizontalAdvance(link) + 2 * PADDING
        if plain:
            width += QFontMetrics(option.font).horizontalAdvance(plain + LINK_GAP)
        return QSize(max(size.width(), width), size.height())

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if _is_release(event) or _is_double_click(event):
            assert isinstance(event, QMouseEvent)
            rect = self._link_rect(option, index)
            if rect is not None and rect.contains(event.position().toPoint()):
                # The release already followed the link: a double click on
                # it is swallowed rather than also activating the row.
                if _is_release(event):
                    self.link_activated.emit(_plain(index))
                return True
        return False


class AssetLinesDelegate(QStyledItemDelegate):
    """Draws the Assets cell as one line per key, coloured by what happened
    to it (added green, removed red, changed amber; shades from the palette,
    so dark themes read too), underlined only under the mouse, and centred
    vertically like the cell's neighbours. Signals:
    key_activated(QModelIndex, object): a key line was clicked (the `AssetLine`);
    more_activated(QModelIndex): the '… N more' line was clicked."""

    key_activated = Signal(QModelIndex, object)
    more_activated = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hover: QPoint | None = None
        self._hover_cell = QRect()
        viewport = getattr(parent, "viewport", None)
        self._viewport: QWidget | None = viewport() if callable(viewport) else None
        if self._viewport is not None:
            self._viewport.setMouseTracking(True)
            self._viewport.installEventFilter(self)

    @staticmethod
    def lines(index: Index) -> tuple[AssetLine, ...]:
        return tuple(index.data(ASSET_LINES_ROLE) or ())

    def line_height(self, option: QStyleOptionViewItem) -> int:
        return QFontMetrics(option.font).lineSpacing()

    def _first_top(self, option: QStyleOptionViewItem, count: int) -> int:
        """Top of the first line: the block of lines is centred in the cell."""
        block = count * self.line_height(option)
        return option.rect.top() + max(PADDING, (option.rect.height() - block) // 2)

    def line_at(self, option: QStyleOptionViewItem, index: Index, y: int) -> AssetLine | None:
        lines = self.lines(index)
        if not lines:
            return None
        number = (y - self._first_top(option, len(lines))) // self.line_height(option)
        return lines[number] if 0 <= number < len(lines) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the mouse over the viewport, repainting the cells it
        enters and leaves so only the line under it is underlined."""
        kind = event.type()
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            self._hover = event.position().toPoint()
            self._repaint_hover()
        elif kind == QEvent.Type.Leave:
            self._hover = None
            self._repaint_hover()
        return False

    def _repaint_hover(self) -> None:
        viewport = self._viewport
        view = self.parent()
        if viewport is None or not isinstance(view, QAbstractItemView):
            return
        old = self._hover_cell
        index = view.indexAt(self._hover) if self._hover is not None else QModelIndex()
        self._hover_cell = view.visualRect(index) if self.lines(index) else QRect()
        if not old.isNull():
            viewport.update(old)
        if not self._hover_cell.isNull():
            viewport.update(self._hover_cell)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        lines = self.lines(index)
        if not lines:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        height = self.line_height(opt)
        rect = _text_rect(opt)
        top = self._first_top(opt, len(lines))
        plain = QFont(opt.font)
        hovered = _link_font(opt)
        metrics = QFontMetrics(plain)
        hover = self._hover if self._hover is not None and opt.rect.contains(self._hover) else None
        painter.save()
        for number, line in enumerate(lines):
            line_rect = QRect(rect.left(), top + number * height, rect.width(), height)
            if selected:
                pen = opt.palette.color(QPalette.ColorRole.HighlightedText)
            elif line.key is None:
                pen = opt.palette.color(QPalette.ColorRole.Link)
            else:
                pen = color(SIGN_MEANINGS.get(line.sign, Meaning.CHANGED), opt.palette)
            painter.setPen(pen)
            under = (
                hover is not None
                and top + number * height <= hover.y() < top + (number + 1) * height
            )
            painter.setFont(hovered if under else plain)
            text = metrics.elidedText(line.text, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(
                line_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text
            )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        lines = self.lines(index)
        if not lines:
            return size
        metrics = QFontMetrics(_link_font(option))
        width = max(metrics.horizontalAdvance(line.text) for line in lines) + 2 * PADDING
        height = len(lines) * self.line_height(option) + 2 * PADDING
        return QSize(max(size.width(), width), max(size.height(), height))

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if _is_release(event) or _is_double_click(event):
            assert isinstance(event, QMouseEvent)
            line = self.line_at(option, index, event.position().toPoint().y())
            if line is not None:
                if _is_double_click(event):
                    return True
                if line.key is None:
                    self.more_activated.emit(_plain(index))
                else:
                    self.key_activated.emit(_plain(index), line)
                return True
        return False


class SplitButtonDelegate(QStyledItemDelegate):
    """Draws the Actions cell as a tool button with a drop-down arrow.
    Signals: clicked(QModelIndex) on the button, menu_requested(QModelIndex,
    QRect) on the arrow (the rect is the cell, in viewport coordinates)."""

    clicked = Signal(QModelIndex)
    menu_requested = Signal(QModelIndex, QRect)

    ARROW = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sizes: dict[tuple[str, str], tuple[int, int]] = {}

    def _button_size(self, option: QStyleOptionViewItem, text: str) -> tuple[int, int]:
        """Width and height of the button for this text and font; measured
        once (every row shows the same label, and measuring text is slow)."""
        key = (text, option.font.key())
        size = self._sizes.get(key)
        if size is None:
            metrics = QFontMetrics(option.font)
            size = self._sizes[key] = (
                metrics.horizontalAdvance(text) + 16 + self.ARROW,
                metrics.height() + 8,
            )
        return size

    def _button_rect(self, option: QStyleOptionViewItem, text: str) -> QRect:
        width, height = self._button_size(option, text)
        width = min(option.rect.width() - 2 * PADDING, width)
        height = min(option.rect.height() - 2, height)
        top = option.rect.top() + (option.rect.height() - height) // 2
        return QRect(option.rect.left() + PADDING, top, width, height)

    def _button_option(self, option: QStyleOptionViewItem, index: Index) -> QStyleOptionToolButton:
        button = QStyleOptionToolButton()
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        button.rect = self._button_rect(option, text)
        button.text = text
        button.font = option.font
        button.palette = option.palette
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        button.features = QStyleOptionToolButton.ToolButtonFeature.MenuButtonPopup
        button.subControls = QStyle.SubControl.SC_ToolButton | QStyle.SubControl.SC_ToolButtonMenu
        button.toolButtonStyle = Qt.ToolButtonStyle.ToolButtonTextOnly
        return button

    def arrow_rect(self, option: QStyleOptionViewItem, index: Index) -> QRect:
        rect = self.button_rect(option, index)
        return QRect(rect.right() - self.ARROW, rect.top(), self.ARROW + 1, rect.height())

    def button_rect(self, option: QStyleOptionViewItem, index: Index) -> QRect:
        return self._button_rect(option, str(index.data(Qt.ItemDataRole.DisplayRole) or ""))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        button = self._button_option(option, index)
        style.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, button, painter, opt.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width, height = self._button_size(
            option, str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        )
        return QSize(width + 2 * PADDING, height + 4)

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if _is_double_click(event):
            assert isinstance(event, QMouseEvent)
            return self.button_rect(option, index).contains(event.position().toPoint())
        if _is_release(event):
            assert isinstance(event, QMouseEvent)
            point = event.position().toPoint()
            if self.arrow_rect(option, index).contains(point):
                self.menu_requested.emit(_plain(index), QRect(option.rect))
                return True
            if self.button_rect(option, index).contains(point):
                self.clicked.emit(_plain(index))
                return True
        return False


def attach(view: QWidget, column: int, delegate: QStyledItemDelegate) -> None:
    """Install `delegate` on `column` of a view and keep it alive with it."""
    delegate.setParent(view)
    view.setItemDelegateForColumn(column, delegate)  # type: ignore[attr-defined]
