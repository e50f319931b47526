"""The token stays the user's: the fallback file is private, written
atomically and never through a planted link; the headless commands find
the token the GUI saved, so nobody needs `--token` on a shared machine;
and the token never reaches another origin or plain http unasked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop_app.api.client import ConnectionSettings
from desktop_app.headless import build_parser
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.credentials import CredentialStore
from tests.faults.helpers import run_history


def test_a_link_planted_at_the_token_file_is_replaced_not_followed(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (config / "tokens.json").symlink_to(victim)
    store = CredentialStore(config)
    assert store.token("https://x.example/graphql") is None  # the link is not read
    assert store.set_token("https://x.example/graphql", "s3cret") == "file"
    assert victim.read_text() == "precious"
    token_file = config / "tokens.json"
    assert not token_file.is_symlink()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert store.token("https://x.example/graphql") == "s3cret"
    assert [p.name for p in config.iterdir()] == ["tokens.json"]  # no temporary left


def test_the_cache_is_private(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    assert demo_server.url is not None
    run = run_history(demo_server.url, tmp_path / "cache", "nonexistent")
    assert run.code == 1
    directory = tmp_path / "cache"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = list(directory.iterdir())
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_headless_uses_the_token_the_gui_saved(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    assert demo_server.url is not None
    refused = run_history(demo_server.url, tmp_path / "a", "analytics", token="")
    assert refused.code == 1
    assert "refused" in refused.err
    CredentialStore().set_token(demo_server.url, "demo-token-editor")
    run = run_history(demo_server.url, tmp_path / "b", "analytics", token="")
    assert "refused" not in run.err, run.err


def test_help_steers_away_from_token_on_shared_machines(capsys) -> None:
    for command in ("history", "deploy"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "Avoid on shared machines" in text
        assert "process list" in text
        assert "$DAGSTER_CLOUD_API_TOKEN" in text


def test_a_pasted_cloud_address_is_https() -> None:
    settings = ConnectionSettings(url="acme.dagster.cloud/prod", token="t")
    assert settings.graphql_url().startswith("https://")
    assert os.environ.get("DAGSTER_CLOUD_API_TOKEN") is None
