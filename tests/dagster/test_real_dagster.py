"""History derived from a real open-source dagster-webserver, by polling.

The test edits the definitions file between reloads the way a developer
would and checks what the cache derived from each load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import MetadataValue
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, collapse
from desktop_app.core.roles import Role
from desktop_app.headless import main as headless_main
from desktop_app.sync.engine import run_once
from desktop_app.sync.rollback import rollback
from tests.dagster.conftest import LOCATION

pytestmark = pytest.mark.dagster

BIG = 2**40


def definitions(
    *,
    a_version: str = "v1",
    b_team: str = "ingest",
    c_rows: int = 10,
    d_deps: str = '["a"]',
    e_regions: str = '["us", "eu"]',
    with_f: bool = True,
    with_g: bool = False,
) -> str:
    """A definitions file; each argument is one kind of edit."""
    lines = [
        "import dagster as dg",
        "",
        f"@dg.asset(code_version={a_version!r}, metadata={{'big': {BIG}, "
        "'conf': dg.MetadataValue.json({'k': [1, 2]})})",
        "def a():",
        "    return 1",
        "",
        f"@dg.asset(tags={{'team': {b_team!r}}})",
        "def b():",
        "    return 1",
        "",
        f"@dg.asset(metadata={{'rows': {c_rows}}})",
        "def c():",
        "    return 1",
        "",
        f"@dg.asset(deps={d_deps})",
        "def d():",
        "    return 1",
        "",
        f"@dg.asset(partitions_def=dg.StaticPartitionsDefinition({e_regions}))",
        "def e():",
        "    return 1",
        "",
    ]
    names = ["a", "b", "c", "d", "e"]
    if with_f:
        lines += ["@dg.asset", "def f():", "    return 1", ""]
        names.append("f")
    if with_g:
        lines += ["@dg.asset(code_version='g1')", "def g():", "    return 1", ""]
        names.append("g")
    lines.append(f"defs = dg.Definitions(assets=[{', '.join(names)}])")
    return "\n".join(lines) + "\n"


V1 = definitions()
V2 = definitions(
    a_version="v2",
    b_team="analytics",
    c_rows=20,
    d_deps='["a", "b"]',
    e_regions='["us", "eu", "apac"]',
    with_f=False,
    with_g=True,
)
EXPECTED = {
    ("a",): (ChangeType.CODE_VERSION,),
    ("b",): (ChangeType.TAGS,),
    ("c",): (ChangeType.METADATA,),
    ("d",): (ChangeType.DEPENDENCIES,),
    ("e",): (ChangeType.PARTITIONS_DEFINITION,),
    ("f",): (ChangeType.REMOVED,),
    ("g",): (ChangeType.NEW,),
}


def _reload(client: DeploymentClient) -> None:
    outcome = client.reload_location(LOCATION)
    assert outcome.ok, outcome.message


def test_history_is_derived_from_reloads(start_webserver, tmp_path: Path):
    server = start_webserver(V1)
    with (
        DeploymentClient(ConnectionSettings(url=server.url)) as client,
        HistoryCache.open(tmp_path / "cache.sqlite") as cache,
    ):
        caps = client.capabilities()
        assert not caps.history_api
        assert not caps.deploy
        viewer = client.viewer()
        assert viewer.email is None
        assert viewer.role == Role.EDITOR  # every permission is true in open source
        assert viewer.role_inferred

        first = run_once(client, cache)
        assert first.changed_locations == (LOCATION,)
        assert first.new_loads == 1
        [load1] = cache.history(LOCATION)
        snap1 = cache.snapshot_at(LOCATION, load1.loaded_at)
        assert sorted(snap1) == [("a",), ("b",), ("c",), ("d",), ("e",), ("f",)]
        assert snap1[("a",)].metadata["big"] == MetadataValue("Int", BIG)
        assert snap1[("a",)].metadata["conf"] == MetadataValue("Json", {"k": [1, 2]})
        assert snap1[("d",)].dependencies == frozenset({("a",)})
        assert snap1[("e",)].partitions is not None
        assert snap1[("e",)].partitions.type == "STATIC"

        # nothing new: one request
        assert run_once(client, cache).requests == 1

        # the same code reloaded: a load with no changes, collapsing with the first
        _reload(client)
        same = run_once(client, cache)
        assert same.new_loads == 1
        load2 = cache.history(LOCATION)[0]
        assert not load2.summary
        assert [g.count for g in collapse(cache.history(LOCATION))] == [2]

        # every kind of edit
        server.write(V2)
        _reload(client)
        edited = run_once(client, cache)
        assert edited.new_loads == 1
        load3 = cache.history(LOCATION)[0]
        assert load3.summary.change_types == EXPECTED
        # changed definitions are a new version: it does not collapse into the last one
        assert [g.count for g in collapse(cache.history(LOCATION))] == [1, 2]
        diff = {c.key: c for c in cache.diff(LOCATION, load1.loaded_at, load3.loaded_at)}
        assert {k: c.change_types for k, c in diff.items()} == EXPECTED
        assert diff[("a",)].code_version is not None
        assert (diff[("a",)].code_version.old, diff[("a",)].code_version.new) == ("v1", "v2")
        assert diff[("c",)].metadata is not None
        assert diff[("c",)].metadata.changed == {
            "rows": (MetadataValue("Int", 10), MetadataValue("Int", 20))
        }

        # a syntax error: the webserver still says LOADED, the load failed
        server.write(V2 + "\ndef broken(:\n    pass\n")
        _reload(client)
        broken = run_once(client, cache)
        assert broken.newly_failed == (LOCATION,)
        load4 = cache.history(LOCATION)[0]
        assert load4.status == LoadStatus.ERROR
        assert load4.error is not None
        assert "SyntaxError" in load4.error
        assert cache.locations()[0].status == "ERROR"
        assert cache.snapshot_at(LOCATION, load4.loaded_at) == cache.snapshot_at(
            LOCATION, load3.loaded_at
        )

        # fixed, back to the first version
        server.write(V1)
        _reload(client)
        fixed = run_once(client, cache)
        assert fixed.recovered == (LOCATION,)
        load5 = cache.history(LOCATION)[0]
        assert load5.status == LoadStatus.LOADED
        back = {
            c.key: c.change_types for c in cache.diff(LOCATION, load3.loaded_at, load5.loaded_at)
        }
        assert back[("f",)] == (ChangeType.NEW,)
        assert back[("g",)] == (ChangeType.REMOVED,)
        assert back[("a",)] == (ChangeType.CODE_VERSION,)
        assert cache.snapshot_at(LOCATION, load5.loaded_at) == snap1
        assert [e.loaded_at for e in cache.asset_history(LOCATION, ("a",))] == [
            load5.loaded_at,
            load3.loaded_at,
            load1.loaded_at,
        ]
        assert cache.history_count(LOCATION) == 5

        # no deploy API: rollback explains why, sends nothing
        sent = client.requests_sent
        outcome = rollback(client, cache, LOCATION, load1.loaded_at)
        assert not outcome.ok
        assert "open-source" in outcome.message
        assert client.requests_sent == sent


def test_headless_history_against_dagster_webserver(start_webserver, tmp_path, capsys):
    server = start_webserver(V1)
    args = ["history", LOCATION, "--url", server.url.removesuffix("/graphql")]
    args += ["--json", "--all", "--cache-dir", str(tmp_path / "cache")]
    assert headless_main(args) == 0
    server.write(V2)
    with DeploymentClient(ConnectionSettings(url=server.url)) as client:
        _reload(client)
    capsys.readouterr()
    assert headless_main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    assert rows[0]["status"] == "LOADED"
    assert rows[0]["assets"] == {
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
    assert rows[1]["assets"]["added"] == ["a", "b", "c", "d", "e", "f"]
