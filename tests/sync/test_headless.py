"""`desktop-app history` and `desktop-app deploy` against the bundled server."""

from __future__ import annotations

import json

import yaml

from desktop_app.cache import database
from desktop_app.cli import main
from tests.locking import moved_aside, write_lock_held
from tests.sync.helpers import EDITOR_TOKEN, VIEWER_TOKEN, commit_of, document, register
from tests.sync.test_bundled_sync import V1, V2


def _history(server, tmp_path, *extra: str) -> list[str]:
    return [
        "history",
        "loc",
        "--url",
        server.url.removesuffix("/graphql"),
        "--token",
        EDITOR_TOKEN,
        "--cache-dir",
        str(tmp_path / "cache"),
        *extra,
    ]


def _deploy(server, tmp_path, image: str, token: str = EDITOR_TOKEN) -> list[str]:
    path = tmp_path / f"{image.replace(':', '_')}.yaml"
    path.write_text(yaml.safe_dump({"locations": [document("loc", image)]}))
    return ["deploy", "--url", server.url, "--token", token, "--document", str(path)]


def test_deploy_then_history_as_json(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    for image in ("img:1", "img:1", "img:2"):
        assert main(_deploy(empty_server, tmp_path, image)) == 0
    capsys.readouterr()
    assert main(_history(empty_server, tmp_path, "--json")) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["count"] for r in rows] == [1, 2]
    newest = rows[0]
    assert set(newest) == {
        "loaded_at",
        "status",
        "image",
        "commit_hash",
        "commit_url",
        "action",
        "initiated_by",
        "error",
        "count",
        "assets",
    }
    assert newest["loaded_at"].endswith("Z")
    assert newest["status"] == "LOADED"
    assert newest["image"] == "img:2"
    assert newest["commit_hash"] == commit_of("img:2")
    assert newest["commit_url"] == (f"https://github.com/acme/loc/commit/{commit_of('img:2')}")
    assert newest["initiated_by"] == "editor@example.com"
    assert newest["assets"] == {
        "added": ["g"],
        "removed": ["f"],
        "changed": {
            "a": ["CODE_VERSION"],
            "b": ["TAGS"],
            "c": ["METADATA"],
            "d": ["DEPENDENCIES"],
            "e": ["PARTITIONS_DEFINITION"],
        },
    }
    assert main(_history(empty_server, tmp_path, "--json", "--all")) == 0
    assert [r["count"] for r in json.loads(capsys.readouterr().out)] == [1, 1, 1]


def test_history_table_and_token_from_environment(empty_server, tmp_path, capsys, monkeypatch):
    register(empty_server, "img:1", V1)
    assert main(_deploy(empty_server, tmp_path, "img:1")) == 0
    args = _history(empty_server, tmp_path)
    token_at = args.index("--token")
    del args[token_at : token_at + 2]
    monkeypatch.setenv("DAGSTER_CLOUD_API_TOKEN", EDITOR_TOKEN)
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "img:1" in out
    assert commit_of("img:1")[:7] in out


def test_refused_deploy_exits_1(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    assert main(_deploy(empty_server, tmp_path, "img:1", VIEWER_TOKEN)) == 1
    assert "Not allowed" in capsys.readouterr().err


def test_unknown_location(empty_server, tmp_path, capsys):
    assert main(_history(empty_server, tmp_path)) == 1
    assert "No code location named 'loc'" in capsys.readouterr().err


def test_offline_history_prints_the_cache_and_exits_1(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    assert main(_deploy(empty_server, tmp_path, "img:1")) == 0
    capsys.readouterr()
    assert main(_history(empty_server, tmp_path, "--json")) == 0
    online = json.loads(capsys.readouterr().out)
    args = _history(empty_server, tmp_path, "--json")
    empty_server.stop()  # the fixture's second stop is harmless
    assert main(args) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == online
    assert "Sync failed: Cannot reach 127.0.0.1" in captured.err


def test_a_refused_token_with_nothing_cached_says_so(empty_server, tmp_path, capsys):
    args = _history(empty_server, tmp_path)
    args[args.index("--token") + 1] = "not-a-token"
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "refused the API token" in err
    assert "No cached history of 'loc'" in err
    assert "Showing the cached history" not in err


def test_a_cache_locked_after_it_opened_is_busy_not_damaged(
    empty_server, tmp_path, capsys, monkeypatch
):
    register(empty_server, "img:1", V1)
    assert main(_deploy(empty_server, tmp_path, "img:1")) == 0
    capsys.readouterr()
    assert main(_history(empty_server, tmp_path, "--json")) == 0
    cached = json.loads(capsys.readouterr().out)
    (path,) = (tmp_path / "cache").glob("*.sqlite")
    inode = path.stat().st_ino
    register(empty_server, "img:2", V2)
    assert main(_deploy(empty_server, tmp_path, "img:2")) == 0
    capsys.readouterr()
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.3)
    with write_lock_held(path):
        assert main(_history(empty_server, tmp_path, "--json")) == 1
    captured = capsys.readouterr()
    assert "in use by another process" in captured.err
    assert "Traceback" not in captured.err
    assert "damaged" not in captured.err
    assert json.loads(captured.out) == cached  # what was cached, nothing of the new deploy
    assert moved_aside(tmp_path) == []
    assert path.stat().st_ino == inode
    # Once the other process lets go, the next run syncs as usual.
    assert main(_history(empty_server, tmp_path, "--json")) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(cached) + 1
