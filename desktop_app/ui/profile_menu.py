"""Switching between deployments from the File menu: one action per saved
profile (Ctrl+1 … Ctrl+9) and one for the embedded demo (Ctrl+0), rebuilt
whenever the profiles change. Switching keeps each deployment's cache
file, so going back shows its history at once; the choice is remembered
as the last profile and used at the next start."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from desktop_app.ui.layout_settings import EMBEDDED_PROFILE
from desktop_app.ui.profiles import EMBEDDED_NAME, Profile, ProfileStore

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

MAX_SHORTCUTS = 9


class ProfileMenu(QObject):
    def __init__(self, window: MainWindow, menu: QMenu, before: QAction | None) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu
        self.before = before
        self.store = ProfileStore(window.context.credentials)
        self.current: str | None = None
        self.actions: dict[str, QAction] = {}
        self._group = QActionGroup(self)
        self._separator: QAction | None = None
        self.current = self._current_key()
        self.rebuild()

    def _current_key(self) -> str | None:
        """Which entry the window's connection is, if any."""
        context = self.window.context
        if context.embedded:
            return EMBEDDED_PROFILE
        for profile in self.store.profiles():
            try:
                if profile.settings(None).graphql_url() == context.connection.url:
                    return profile.name
            except ValueError:
                continue
        return None

    @property
    def can_embed(self) -> bool:
        context = self.window.context
        return context.embedded_url is not None or context.start_embedded is not None

    def rebuild(self) -> None:
        """One checkable action per profile, the current one checked."""
        for action in self.actions.values():
            self.menu.removeAction(action)
            self.window.removeAction(action)
            self._group.removeAction(action)
            action.deleteLater()
        self.actions = {}
        if self._separator is None:
            self._separator = self.menu.insertSeparator(self.before) if self.before else None
        entries: list[tuple[str, str, str]] = []  # (key, text, shortcut)
        if self.can_embed:
            entries.append((EMBEDDED_PROFILE, EMBEDDED_NAME, "Ctrl+0"))
        for number, profile in enumerate(self.store.profiles(), start=1):
            shortcut = f"Ctrl+{number}" if number <= MAX_SHORTCUTS else ""
            entries.append((profile.name, profile.name, shortcut))
        for key, text, shortcut in entries:
            action = QAction(text.replace("&", "&&"), self.window)
            action.setObjectName(f"profileAction:{key or 'embedded'}")
            action.setCheckable(True)
            action.setChecked(key == self.current)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(partial(self.switch_to, key))
            self._group.addAction(action)
            if self._separator is not None:
                self.menu.insertAction(self._separator, action)
            else:
                self.menu.addAction(action)
            self.window.addAction(action)
            self.actions[key] = action

    def _mark(self, key: str | None) -> None:
        self.current = key
        for name, action in self.actions.items():
            action.setChecked(name == key)
        if key is not None:
            self.window.context.layout.set_last_profile(key)

    # -- switching -----------------------------------------------------------------
    def switch_to(self, key: str) -> bool:
        """Connect to the profile named `key` (EMBEDDED_PROFILE: the demo)."""
        if key == EMBEDDED_PROFILE:
            return self.switch_to_embedded()
        profile = self.store.get(key)
        if profile is None:
            self.rebuild()
            return False
        self.window.connect_to(profile.settings(self.store.token(profile)), profile.saved)
        self._mark(profile.name)
        return True

    def switch_to_embedded(self) -> bool:
        context = self.window.context
        url = context.embedded_url
        if url is None and context.start_embedded is not None:
            url = context.start_embedded()
        if url is None:
            return False
        self.window.connect_embedded(url)
        self._mark(EMBEDDED_PROFILE)
        return True

    def use(self, profile: Profile, token: str | None) -> None:
        """Save a profile (from the Connect dialog) and switch to it."""
        self.store.save(profile, token)
        self.rebuild()
        self.switch_to(profile.name)

    def forget(self, name: str) -> None:
        self.store.forget(name)
        if self.current == name:
            self.current = None
        self.rebuild()
