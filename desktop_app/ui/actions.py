"""The history dialog's actions as data: each has a predicate
`enabled_when(context) -> (bool, reason)`; `apply()` sets enabled state and
puts the reason in the tooltip of a disabled action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction

from desktop_app.core.links import commit_url
from desktop_app.core.loads import LocationLoad
from desktop_app.core.rollback import rollback_decision
from desktop_app.core.session import Capabilities, Viewer
from desktop_app.ui.plain_text import tooltip


@dataclass(frozen=True)
class ActionContext:
    """What decides whether an action applies to the selected history row."""

    location: str
    load: LocationLoad | None
    newest: LocationLoad | None
    viewer: Viewer | None
    capabilities: Capabilities | None
    rollback_in_flight: bool = False


Verdict = tuple[bool, str]


def _needs_load(ctx: ActionContext) -> Verdict | None:
    return None if ctx.load is not None else (False, "Select a load first.")


def view_metadata_enabled(ctx: ActionContext) -> Verdict:
    return _needs_load(ctx) or (True, "")


def rollback_enabled(ctx: ActionContext) -> Verdict:
    missing = _needs_load(ctx)
    if missing:
        return missing
    assert ctx.load is not None
    if ctx.capabilities is not None and ctx.rollback_in_flight:
        return False, "A rollback of this location is already running."
    decision = rollback_decision(ctx.load, ctx.newest, ctx.viewer, ctx.capabilities)
    return decision.allowed, decision.reason


def open_commit_enabled(ctx: ActionContext) -> Verdict:
    missing = _needs_load(ctx)
    if missing:
        return missing
    assert ctx.load is not None
    if commit_url(ctx.load.deploy) is None:
        return False, "This load names no commit on GitHub, GitLab or Bitbucket to open."
    return True, ""


def copy_commit_enabled(ctx: ActionContext) -> Verdict:
    missing = _needs_load(ctx)
    if missing:
        return missing
    assert ctx.load is not None
    if not ctx.load.deploy.commit_hash:
        return False, "This load names no commit."
    return True, ""


@dataclass(frozen=True)
class ActionSpec:
    object_name: str
    text: str
    tooltip: str
    enabled_when: Callable[[ActionContext], Verdict]


VIEW_METADATA = ActionSpec(
    "viewMetadataAction",
    "View metadata",
    "Show the deployed document and its display metadata.",
    view_metadata_enabled,
)
ROLLBACK = ActionSpec(
    "rollbackAction",
    "Rollback to this version",
    "Deploy this version's document again.",
    rollback_enabled,
)
OPEN_COMMIT = ActionSpec(
    "openCommitAction", "Open commit", "Open the commit in the browser.", open_commit_enabled
)
COPY_COMMIT = ActionSpec(
    "copyCommitAction",
    "Copy commit SHA",
    "Copy the full commit SHA to the clipboard.",
    copy_commit_enabled,
)
HISTORY_ACTIONS: tuple[ActionSpec, ...] = (VIEW_METADATA, ROLLBACK, OPEN_COMMIT, COPY_COMMIT)


def apply(spec: ActionSpec, action: QAction, ctx: ActionContext) -> None:
    enabled, reason = spec.enabled_when(ctx)
    action.setEnabled(enabled)
    action.setToolTip(tooltip(spec.tooltip if enabled else reason))  # a reason may name a location
    action.setStatusTip(action.toolTip())
