"""`desktop-app diff` against the bundled server: by loaded_at, by commit
prefix, `current`, across a rollback, and clear errors."""

from __future__ import annotations

import json

from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import HistoryCache
from desktop_app.cli import main
from desktop_app.sync.rollback import rollback
from tests.sync.helpers import EDITOR_TOKEN, client_for, commit_of, deploy, register
from tests.sync.test_bundled_sync import V1, V2


def _args(server, tmp_path, command: str, *extra: str) -> list[str]:
    return [
        command,
        "loc",
        "--url",
        server.url,
        "--token",
        EDITOR_TOKEN,
        "--cache-dir",
        str(tmp_path / "cache"),
        *extra,
    ]


def _history(server, tmp_path, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(_args(server, tmp_path, "history", "--json", "--all")) == 0
    return json.loads(capsys.readouterr().out)


def _diff(server, tmp_path, capsys, old: str, new: str, *extra: str) -> dict:
    capsys.readouterr()
    code = main(_args(server, tmp_path, "diff", "--from", old, "--to", new, "--json", *extra))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_diff_between_two_versions_as_json(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    client = client_for(empty_server)
    deploy(client, "loc", "img:1")
    _history(empty_server, tmp_path, capsys)  # the cache sees each version's definitions
    deploy(client, "loc", "img:2")
    client.close()
    rows = _history(empty_server, tmp_path, capsys)
    newer, older = rows[0]["loaded_at"], rows[1]["loaded_at"]

    result = _diff(empty_server, tmp_path, capsys, older, newer)
    assert set(result) == {"from", "to", "added", "removed", "changed", "details", "compare_url"}
    assert result["from"]["loaded_at"] == older
    assert result["to"]["image"] == "img:2"
    assert result["added"] == ["g"]
    assert result["removed"] == ["f"]
    assert result["changed"] == {
        "a": ["CODE_VERSION"],
        "b": ["TAGS"],
        "c": ["METADATA"],
        "d": ["DEPENDENCIES"],
        "e": ["PARTITIONS_DEFINITION"],
    }
    details = result["details"]
    assert details["a"] == {"code_version": {"old": "v1", "new": "v2"}}
    assert details["b"] == {"tags": {"old": {"team": "x"}, "new": {"team": "y"}}}
    assert details["c"] == {"metadata": {"old": {"rows": "1"}, "new": {"rows": "2"}}}
    assert details["d"] == {"dependencies": {"old": [], "new": ["b"]}}
    assert result["compare_url"] == (
        f"https://github.com/acme/loc/compare/{commit_of('img:1')}...{commit_of('img:2')}"
    )

    # by commit prefix and `current`; the other direction reverses the changes
    backwards = _diff(empty_server, tmp_path, capsys, "current", commit_of("img:1")[:8])
    assert backwards["from"]["image"] == "img:2"
    assert backwards["to"]["image"] == "img:1"
    assert backwards["added"] == ["f"]
    assert backwards["removed"] == ["g"]
    assert backwards["details"]["a"] == {"code_version": {"old": "v2", "new": "v1"}}

    capsys.readouterr()
    assert main(_args(empty_server, tmp_path, "diff", "--from", older, "--to", newer)) == 0
    text = capsys.readouterr().out
    assert "+ g" in text
    assert "code version: v1 -> v2" in text


def test_values_of_loads_seen_only_in_history_are_not_recorded(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    client = client_for(empty_server)
    deploy(client, "loc", "img:1")
    deploy(client, "loc", "img:2")
    client.close()
    rows = _history(empty_server, tmp_path, capsys)
    result = _diff(empty_server, tmp_path, capsys, rows[1]["loaded_at"], rows[0]["loaded_at"])
    assert result["changed"]["a"] == ["CODE_VERSION"]
    # the older load was seen only in history; the newer one is what runs now
    assert result["details"]["a"] == {"code_version": {"new": "v2"}}
    assert result["details"]["b"] == {"tags": {"new": {"team": "y"}}}
    capsys.readouterr()
    main(_args(empty_server, tmp_path, "diff", "--from", rows[1]["loaded_at"], "--to", "current"))
    text = capsys.readouterr().out
    assert "code version: not recorded -> v2" in text
    assert "tags: not recorded -> team=y" in text


def test_a_rollback_to_the_first_version_diffs_empty(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    client = client_for(empty_server)
    deploy(client, "loc", "img:1")
    first = _history(empty_server, tmp_path, capsys)[-1]["loaded_at"]
    deploy(client, "loc", "img:2")
    _history(empty_server, tmp_path, capsys)
    with HistoryCache.open(cache_path_for(client.url, tmp_path / "cache")) as cache:
        target = cache.history("loc")[-1]
        assert rollback(client, cache, "loc", target.loaded_at).ok
    client.close()
    rows = _history(empty_server, tmp_path, capsys)
    assert rows[0]["action"] == "rollback"

    across = _diff(empty_server, tmp_path, capsys, first, "current")
    assert across["to"]["loaded_at"] == rows[0]["loaded_at"]
    assert (across["added"], across["removed"], across["changed"], across["details"]) == (
        [],
        [],
        {},
        {},
    )
    # the version in between still differs from both ends
    middle = rows[1]["loaded_at"]
    assert _diff(empty_server, tmp_path, capsys, middle, "current")["added"] == ["f"]


def test_unknown_when_is_a_clear_error(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    client = client_for(empty_server)
    deploy(client, "loc", "img:1")
    client.close()
    for when, words in (
        ("2001-01-01T00:00:00Z", "no load at 2001-01-01T00:00:00Z"),
        ("abcdef12", "starting with 'abcdef12'"),
        ("yesterday", "neither a loaded_at"),
    ):
        capsys.readouterr()
        code = main(_args(empty_server, tmp_path, "diff", "--from", when, "--to", "current"))
        captured = capsys.readouterr()
        assert code == 1
        assert words in captured.err
        assert captured.out == ""
