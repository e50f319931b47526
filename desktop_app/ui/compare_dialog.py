"""Compare two versions of a code location: both loads side by side (time,
status, commit, image, who), the net asset changes from the older to the
newer with field-level old → new, and a link to the provider's page
comparing the two commits.

The diff is computed on a worker (`TaskRunner.run_io`); the dialog shows
"Comparing…" until it arrives."""

from __future__ import annotations

import html
from functools import partial

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.cache.compare import compare, details
from desktop_app.core.assets import key_to_str
from desktop_app.core.compare import NOT_RECORDED, Comparison, detail_lines
from desktop_app.core.diff import AssetChange
from desktop_app.core.links import commit_url, compare_url, repository_of
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.ui import formatting
from desktop_app.ui.change_colors import Meaning, color
from desktop_app.ui.context import AppContext
from desktop_app.ui.plain_text import PlainLabel, item_text, rich, set_title, tooltip

FIELDS = ("Loaded", "Status", "Commit", "Image", "Initiated by")
PROVIDER_NAMES = {"github": "GitHub", "gitlab": "GitLab", "bitbucket": "Bitbucket"}
MAX_DETAILED = 500
"""Changed assets shown with their field rows expanded; more stay collapsed."""


def side_text(load: LocationLoad, name: str) -> str:
    """One field of one side, as rich text (the commit is a link when it can be)."""
    deploy = load.deploy
    if name == "Loaded":
        return html.escape(formatting.exact_time(load.loaded_at))
    if name == "Status":
        if load.status == LoadStatus.ERROR:
            kind = formatting.error_kind(load.error)
            return rich(f"Failed ({kind})" if kind else "Failed")
        return "Loaded"
    if name == "Commit":
        sha = deploy.commit_hash
        if not sha:
            return "—"
        url = commit_url(deploy)
        short = rich(formatting.short_sha(sha))
        return f'<a href="{html.escape(url)}">{short}</a>' if url else short
    if name == "Image":
        return rich(deploy.image or "—")
    who = load.initiated_by or "—"
    if load.action and load.action != "deploy":
        who += f" ({load.action})"
    return rich(who)


def compare_link(old: LocationLoad, new: LocationLoad) -> tuple[str, str] | None:
    """(url, label) of the provider's page comparing the two commits."""
    url = compare_url(old.deploy, new.deploy)
    if url is None:
        return None
    repo = repository_of(old.deploy.url, old.deploy.provider)
    name = PROVIDER_NAMES.get(repo.provider, "") if repo else ""
    return url, f"Compare the commits on {name}".strip()


class CompareDialog(QDialog):
    """Signals: ready(): the comparison is shown (or failed to be made)."""

    ready = Signal()

    def __init__(
        self,
        context: AppContext,
        first: LocationLoad,
        second: LocationLoad,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.old, self.new = sorted((first, second), key=lambda load: load.loaded_at)
        self.comparison: Comparison | None = None
        self.setObjectName("compareDialog")
        set_title(self, f"{self.old.location} — compare versions")
        self.resize(900, 600)

        layout = QVBoxLayout(self)
        sides = QGroupBox("Versions")
        grid = QGridLayout(sides)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        for column, heading in ((1, "Older"), (2, "Newer")):
            label = QLabel(f"<b>{heading}</b>")
            grid.addWidget(label, 0, column)
        self.side_labels: dict[tuple[str, str], QLabel] = {}
        for row, name in enumerate(FIELDS, start=1):
            grid.addWidget(QLabel(f"{name}:"), row, 0)
            for column, (side, load) in enumerate((("old", self.old), ("new", self.new)), 1):
                label = QLabel(side_text(load, name))
                label.setTextFormat(Qt.TextFormat.RichText)
                label.setTextInteractionFlags(
                    Qt.TextInteractionFlag.TextBrowserInteraction
                    | Qt.TextInteractionFlag.TextSelectableByMouse
                )
                label.setOpenExternalLinks(False)
                label.linkActivated.connect(self.context.open_url)
                label.setToolTip(tooltip(load.deploy.commit_hash) if name == "Commit" else "")
                grid.addWidget(label, row, column)
                self.side_labels[(side, name)] = label
        layout.addWidget(sides)

        self.link_label = QLabel()
        self.link_label.setObjectName("compareLink")
        self.link_label.linkActivated.connect(self.context.open_url)
        self.compare_url: str | None = None
        found = compare_link(self.old, self.new)
        if found is not None:
            self.compare_url, text = found
            self.link_label.setText(f'<a href="{html.escape(self.compare_url)}">{text} ↗</a>')
            self.link_label.setToolTip(tooltip(self.compare_url))
        elif self.old.deploy.commit_hash == self.new.deploy.commit_hash:
            self.link_label.setText("Both versions deploy the same commit.")
        else:
            self.link_label.setText("No provider page compares these commits.")
        layout.addWidget(self.link_label)

        self.summary_label = PlainLabel("Comparing…")
        self.summary_label.setObjectName("compareSummary")
        layout.addWidget(self.summary_label)

        self.tree = QTreeWidget()
        self.tree.setObjectName("compareChanges")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Asset / field", "Change", "Older", "Newer"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 320)
        header.resizeSection(1, 150)
        header.resizeSection(2, 200)
        header.setStretchLastSection(True)
        self.tree.itemExpanded.connect(self._on_expanded)
        layout.addWidget(self.tree, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        cache = context.connection.cache
        context.tasks.run_io(
            "compare versions",
            partial(compare, cache, self.old, self.new),
            on_success=self._on_compared,
            on_failure=self._on_failed,
        )

    # -- results -------------------------------------------------------------
    def _on_compared(self, comparison: Comparison) -> None:
        if not shiboken6.isValid(self):
            return
        self.show_comparison(comparison)
        self.ready.emit()

    def _on_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.summary_label.setText(f"Could not compare: {exc}")
        self.ready.emit()

    def show_comparison(self, comparison: Comparison) -> None:
        self.comparison = comparison
        added, removed, changed = comparison.added, comparison.removed, comparison.changed
        if not comparison.changes:
            self.summary_label.setText("The asset definitions are the same in both versions.")
        else:
            parts = [
                f"{len(added)} added" if added else "",
                f"{len(removed)} removed" if removed else "",
                f"{len(changed)} changed" if changed else "",
            ]
            self.summary_label.setText(
                "From the older to the newer version: " + ", ".join(p for p in parts if p) + "."
            )
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        palette = self.tree.palette()
        items: list[QTreeWidgetItem] = []
        for sign, meaning, changes in (
            ("+", Meaning.ADDED, added),
            ("\u2212", Meaning.REMOVED, removed),
            ("~", Meaning.CHANGED, changed),
        ):
            brush = QBrush(color(meaning, palette))
            for change in changes:
                item = QTreeWidgetItem([item_text(f"{sign} {key_to_str(change.key)}"), "", "", ""])
                item.setForeground(0, brush)
                item.setForeground(1, brush)
                item.setData(0, Qt.ItemDataRole.UserRole, change.key)
                if meaning == Meaning.CHANGED:
                    labels = formatting.change_labels(change.change_types)
                    item.setText(1, labels or "details not recorded")
                    if comparison.complete:
                        self._add_fields(item, change)
                    else:  # read when expanded: too many to read at once
                        item.setData(1, Qt.ItemDataRole.UserRole, change)
                        item.setChildIndicatorPolicy(
                            QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator
                        )
                else:
                    item.setText(1, "added" if meaning == Meaning.ADDED else "removed")
                items.append(item)
        self.tree.addTopLevelItems(items)
        if comparison.complete and len(changed) <= MAX_DETAILED:
            self.tree.expandAll()
        self.tree.setUpdatesEnabled(True)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        """Read one asset's details when its row is opened (large
        comparisons): a single indexed query."""
        change = item.data(1, Qt.ItemDataRole.UserRole)
        if self.comparison is None or not isinstance(change, AssetChange):
            return
        item.setData(1, Qt.ItemDataRole.UserRole, None)
        full = details(self.context.connection.cache, self.comparison, change)
        self._add_fields(item, full)

    @staticmethod
    def _add_fields(item: QTreeWidgetItem, change: AssetChange) -> None:
        lines = detail_lines(change)
        if not change.change_types:
            lines = [("definition", NOT_RECORDED, NOT_RECORDED)]
        for field, old, new in lines:
            child = QTreeWidgetItem([item_text(field), "", item_text(old), item_text(new)])
            for column, text in ((2, old), (3, new)):
                child.setToolTip(column, tooltip(text))
                if text == NOT_RECORDED:
                    font = child.font(column)
                    font.setItalic(True)
                    child.setFont(column, font)
            item.addChild(child)

    # -- for tests and the README ----------------------------------------------
    def shown_changes(self) -> dict[str, list[tuple[str, str, str]]]:
        """What the tree shows: top-level text -> its (field, old, new) rows."""
        shown: dict[str, list[tuple[str, str, str]]] = {}
        for number in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(number)
            assert item is not None
            children = (item.child(i) for i in range(item.childCount()))
            shown[item.text(0)] = [
                (child.text(0), child.text(2), child.text(3)) for child in children if child
            ]
        return shown
