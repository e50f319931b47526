"""The server's command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from desktop_app.server.cli import main
from desktop_app.server.runner import default_db_url
from tests.server.helpers import DEPLOY, TIMEOUT, document, gql, history

LOCATIONS = ["analytics_core", "ingest_raw", "marketing_attribution", "ml_features"]


def _serve(db: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "server", "serve", "--db", db, "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _url_of(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("http://"):
            return line.strip(), lines
    assert process.stderr is not None
    raise AssertionError(f"server printed no URL: {lines} {process.stderr.read()}")


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM ends the server cleanly (exit status 0)."""
    process.terminate()
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


@pytest.fixture
def served_demo(server_db_url: str) -> Iterator[tuple[str, list[str], str]]:
    db = server_db_url
    process = _serve(db, "--demo")
    try:
        url, lines = _url_of(process)
        yield url, lines, db
    finally:
        _stop(process)


def test_serve_demo_answers_history_for_every_demo_location(
    served_demo: tuple[str, list[str], str],
) -> None:
    url, lines, _db = served_demo
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/graphql")
    assert any("editor@example.com" in line and "demo-token-editor" in line for line in lines)
    for name in LOCATIONS:
        entries = history(url, name, limit=5)
        assert len(entries) == 5
        assert entries[0]["locationName"] == name


def test_user_add_works_while_the_server_runs(served_demo: tuple[str, list[str], str]) -> None:
    url, _lines, db = served_demo
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "server",
            "user",
            "add",
            "ops@example.com",
            "--role",
            "viewer",
            "--location",
            "ingest_raw=editor",
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    token = result.stdout.strip().splitlines()[-1]
    data = gql(url, "{ identity { viewer { email } } }", token=token)
    assert data["identity"]["viewer"]["email"] == "ops@example.com"
    reload = gql(
        url,
        """mutation {
          a: reloadRepositoryLocation(repositoryLocationName: "ingest_raw") { __typename }
          b: reloadRepositoryLocation(repositoryLocationName: "ml_features") { __typename } }""",
        token=token,
    )
    assert reload == {
        "a": {"__typename": "WorkspaceLocationEntry"},
        "b": {"__typename": "UnauthorizedError"},
    }


def test_serve_refuses_demo_on_a_public_interface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--demo", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "loopback" in err


def test_image_add_registers_a_manifest(
    tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = server_db_url
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"assets": [{"key": ["a"], "code_version": "1"}]}))
    assert main(["image", "add", "img:1", "--manifest", str(manifest), "--db", db]) == 0
    assert main(["user", "add", "me@example.com", "--role", "editor", "--db", db]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    process = _serve(db)
    try:
        url, _ = _url_of(process)
        result = gql(url, DEPLOY, {"document": document("shop", "img:1")}, token=token)
        assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
        [entry] = gql(
            url,
            '{ locationLoadHistory(locationName: "shop", limit: 1) { loadStatus } }',
            token=token,
        )["locationLoadHistory"]
        assert entry == {"loadStatus": "LOADED"}
        unauthenticated = requests.post(
            url, json={"query": "{ permissions { value } }"}, timeout=TIMEOUT
        )
        assert unauthenticated.status_code == 401
    finally:
        _stop(process)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["user", "add", "me@example.com", "--role", "boss"], "unknown role"),
        (["user", "add", "not-an-email", "--role", "viewer"], "not an email"),
        (["user", "add", "me@example.com", "--role", "viewer", "--location", "shop"], "NAME=ROLE"),
        (["image", "add", "img", "--manifest", "/no/such/file.json"], "cannot read"),
        (["image", "add", "img", "--manifest", "{bad}"], "bad.json"),
        (["image", "add", "img", "--manifest", "{wrong}"], "key must be"),
        (["serve", "--port", "many"], "invalid int"),
        (["frobnicate"], "invalid choice"),
        (["user", "add", "me@example.com", "--role", "viewer", "--db", "nosuchdb://x"], "--db"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"assets": [{"key": "a"}]}))
    argv = [a.replace("{bad}", str(bad)).replace("{wrong}", str(wrong)) for a in argv]
    if "--db" not in argv and argv[0] != "serve":
        argv += ["--db", f"sqlite:///{tmp_path / 'server.sqlite3'}"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err


def test_the_default_databases_live_in_the_user_data_dir() -> None:
    real, demo = default_db_url(), default_db_url(demo=True)
    data_home = os.environ["XDG_DATA_HOME"]
    assert real.startswith(f"sqlite:///{data_home}/")
    assert real.endswith("/deployment.sqlite3")
    assert demo.endswith("/demo.sqlite3")


def test_serve_reports_a_busy_port_and_a_bad_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
        assert main(["serve", "--db", db, "--port", port]) == 2
    assert capsys.readouterr().err == "error: Address already in use\n"
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}"
    assert main(["serve", "--db", missing, "--port", "0"]) == 2
    assert capsys.readouterr().err == "error: database: unable to open database file\n"
