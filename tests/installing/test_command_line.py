"""The one command line: help without a display, the version, the commands,
and errors that name what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.server import demo
from desktop_app.server.cli import main as server_main
from desktop_app.server.process import server_command


def _run(*code_or_args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run(
        [sys.executable, *code_or_args], capture_output=True, text=True, env=env, timeout=60
    )


def test_help_needs_no_display_and_lists_every_command() -> None:
    result = _run("-m", "desktop_app", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("history", "deploy", "server", "bench", "--screenshot", "--version"):
        assert command in result.stdout
    for command in cli.COMMANDS:
        assert command.name in result.stdout


def test_help_and_version_load_no_qt() -> None:
    code = (
        "import sys\n"
        "from desktop_app.cli import main\n"
        "for argv in (['--help'], ['--version'], ['server', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, argv\n"
        "print('qt loaded' if 'PySide6' in sys.modules else 'no qt')\n"
    )
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("no qt")
    assert "0.1" in result.stdout or "unknown" in result.stdout  # the --version line


def test_a_command_gets_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name, needle in (("history", "--json"), ("server", "serve"), ("deploy", "--document")):
        with pytest.raises(SystemExit) as exit:
            cli.main([name, "--help"])
        assert exit.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: desktop-app {name}")
        assert needle in out


def test_unknown_command_and_bad_window_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, needle in (
        (["frobnicate"], "invalid choice"),
        (["--organization", "acme"], "--organization needs --deployment"),
        (["--screenshot-history", "h.png"], "--screenshot-history needs --screenshot"),
        (["--poll-interval", "0"], "--poll-interval must be positive"),
        (["--url", "http://x", "history", "loc"], "put a command's options after it"),
    ):
        with pytest.raises(SystemExit) as exit:
            cli.main(argv)
        assert exit.value.code == 2
        assert needle in capsys.readouterr().err


def test_a_missing_postgres_driver_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    db = "postgresql+psycopg://user@127.0.0.1:1/deployments"
    assert cli.main(["server", "serve", "--db", db, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'psycopg'" in err
    assert "pip install 'desktop-app[postgres]'" in err


def test_missing_demo_data_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "demo_dir", lambda: tmp_path / "gone")
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert server_main(["serve", "--demo", "--db", db, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(tmp_path / "gone" / "images.json") in err


def test_package_data_is_read_from_inside_the_package() -> None:
    from desktop_app.ui.resources import Icon, data_path, style_sheet

    package = Path(cli.__file__).parent
    for name in Icon:
        assert data_path("icons", name.value).is_relative_to(package)
    assert "offlineBanner" in style_sheet()
    images, events = demo.read_demo()
    assert images
    assert events


def test_a_damaged_install_names_the_missing_icon(
    qapp: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop_app import app
    from desktop_app.ui import resources

    monkeypatch.setattr(resources, "PACKAGE", "desktop_app.core")  # a package without icons
    resources.icon.cache_clear()
    try:
        assert app.main(["--poll-interval", "60"]) == 2
    finally:
        resources.icon.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "desktop_app/core/icons/app.svg" in err


def test_server_command_runs_this_program(monkeypatch: pytest.MonkeyPatch) -> None:
    result = subprocess.run(
        server_command("--version"), capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("desktop-app ")
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # as in the bundle: no `-m`
    assert server_command("server", "serve") == [sys.executable, "server", "serve"]
