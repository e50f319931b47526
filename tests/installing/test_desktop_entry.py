"""The desktop entry matches what the app tells the desktop about itself."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.app import name_application

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "packaging" / "desktop-app.desktop"


def _entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ENTRY, encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.fixture
def named_app(qapp: QApplication) -> Iterator[QApplication]:
    before = (qapp.organizationName(), qapp.applicationName(), qapp.desktopFileName())
    name_application(qapp)
    yield qapp
    qapp.setOrganizationName(before[0])
    qapp.setApplicationName(before[1])
    qapp.setDesktopFileName(before[2])


def test_the_entry_starts_the_installed_command_with_the_app_icon() -> None:
    entry = _entry()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] in scripts
    assert entry["Icon"] == ENTRY.stem  # installed as .../apps/desktop-app.svg
    assert entry["Terminal"] == "false"


def test_the_app_names_itself_after_the_entry(named_app: QApplication) -> None:
    assert named_app.desktopFileName() == ENTRY.stem
    assert named_app.applicationName() == "desktop-app"
    assert named_app.organizationName() == "desktop-app"
    assert not named_app.windowIcon().isNull()


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed"
)
def test_the_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(ENTRY)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout
