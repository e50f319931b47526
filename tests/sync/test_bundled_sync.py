"""Sync against the real bundled server over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from desktop_app.api.client import DeploymentClient
from desktop_app.core.assets import (
    AssetDefinition,
    MetadataValue,
    PartitionDimension,
    PartitionsDefinition,
)
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, collapse
from desktop_app.sync import engine
from desktop_app.sync.details import fill_asset_details
from desktop_app.sync.engine import run_once
from tests.sync.helpers import (
    client_for,
    commit_of,
    deploy,
    register,
    register_broken,
)


def _static(description: str) -> PartitionsDefinition:
    # Dagster reports a single "default" dimension for one-dimensional partitions.
    return PartitionsDefinition(
        "STATIC", description, dimensions=(PartitionDimension("default", "STATIC"),)
    )


V1 = [
    AssetDefinition(("a",), code_version="v1"),
    AssetDefinition(("b",), tags={"team": "x"}),
    AssetDefinition(("c",), metadata={"rows": MetadataValue("Int", 1)}),
    AssetDefinition(("d",), dependencies=frozenset({("a",)})),
    AssetDefinition(("e",), partitions=_static("'x', 'y'")),
    AssetDefinition(("f",)),
    AssetDefinition(("same", "key")),
]
V2 = [
    AssetDefinition(("a",), code_version="v2"),
    AssetDefinition(("b",), tags={"team": "y"}),
    AssetDefinition(("c",), metadata={"rows": MetadataValue("Int", 2)}),
    AssetDefinition(("d",), dependencies=frozenset({("a",), ("b",)})),
    AssetDefinition(("e",), partitions=_static("'x', 'y', 'z'")),
    AssetDefinition(("g",)),
    AssetDefinition(("same", "key")),
]
EXPECTED = {
    ("a",): (ChangeType.CODE_VERSION,),
    ("b",): (ChangeType.TAGS,),
    ("c",): (ChangeType.METADATA,),
    ("d",): (ChangeType.DEPENDENCIES,),
    ("e",): (ChangeType.PARTITIONS_DEFINITION,),
    ("f",): (ChangeType.REMOVED,),
    ("g",): (ChangeType.NEW,),
}


def test_every_change_type_between_two_deploys(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        run_once(client, cache)
        deploy(client, "loc", "img:2")
        result = run_once(client, cache)
    assert result.changed_locations == ("loc",)
    assert result.new_loads == 1
    newest, first = cache.history("loc")
    assert newest.summary.change_types == EXPECTED
    assert newest.summary.added == (("g",),)
    assert newest.summary.removed == (("f",),)
    assert first.summary.added == tuple(sorted(a.key for a in V1))
    diff = {c.key: c.change_types for c in cache.diff("loc", first.loaded_at, newest.loaded_at)}
    assert diff == EXPECTED
    back = {c.key: c.change_types for c in cache.diff("loc", newest.loaded_at, first.loaded_at)}
    assert back[("f",)] == (ChangeType.NEW,)
    assert back[("g",)] == (ChangeType.REMOVED,)
    assert cache.snapshot_at("loc", first.loaded_at) == {a.key: a for a in V1}
    assert cache.snapshot_at("loc", newest.loaded_at) == {a.key: a for a in V2}
    [summary] = cache.locations()
    assert summary.asset_count == len(V2)
    assert summary.deploy.commit_hash == commit_of("img:2")
    history = cache.asset_history("loc", ("a",))
    assert [h.change.change_types for h in history] == [
        (ChangeType.CODE_VERSION,),
        (ChangeType.NEW,),
    ]
    assert history[0].change.code_version is not None
    assert history[0].change.code_version.new == "v2"
    assert history[0].commit_hash == commit_of("img:2")
    assert history[0].previous_commit_hash == commit_of("img:1")


def test_a_second_round_with_nothing_new_sends_one_request(demo_server, cache):
    with client_for(demo_server) as client:
        first = run_once(client, cache)
        assert first.new_loads > 0
        before = [(loc, cache.history_count(loc.name)) for loc in cache.locations()]
        second = run_once(client, cache)
    assert second.requests == 1
    assert second.new_loads == 0
    assert second.changed_locations == ()
    assert [(loc, cache.history_count(loc.name)) for loc in cache.locations()] == before


def test_first_sync_mirrors_the_servers_history(demo_server, cache):
    with client_for(demo_server) as client:
        run_once(client, cache)
        for summary in cache.locations():
            server_side = client.location_history(summary.name, 1000)
            cached = cache.history(summary.name)
            assert [h.loaded_at for h in cached] == [h.loaded_at for h in server_side]
            assert [h.status for h in cached] == [h.status for h in server_side]
            assert [h.summary.added for h in cached] == [
                tuple(sorted(h.summary.added)) for h in server_side
            ]


def test_incremental_sync_fetches_only_what_is_new(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        run_once(client, cache)
        deploy(client, "loc", "img:2")
        result = run_once(client, cache)
    # status heartbeat, one history page, the current definitions
    assert result.requests == 3
    assert cache.history_count("loc") == 2


def test_history_is_paged_until_the_newest_cached_entry(empty_server, cache, monkeypatch):
    monkeypatch.setattr(engine, "HISTORY_PAGE", 3)
    monkeypatch.setattr(engine, "HISTORY_PAGE_MORE", 3)
    monkeypatch.setattr(engine, "DETAIL_BUDGET", 0)  # count history requests only
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for i in range(7):
            deploy(client, "loc", "img:1" if i % 2 == 0 else "img:2")
        first = run_once(client, cache)
        assert cache.history_count("loc") == 7
        # statuses with identity, 3 pages (3 + 3 + 1), definitions (the
        # deploys above already asked for the capabilities)
        assert first.requests == 5
        for i in range(4):
            deploy(client, "loc", "img:2" if i % 2 == 0 else "img:1")
        second = run_once(client, cache)
    assert cache.history_count("loc") == 11
    assert second.new_loads == 4
    # statuses, 2 pages (3 new + 1 new and 2 cached), definitions
    assert second.requests == 4
    loaded = [h.loaded_at for h in cache.history("loc")]
    assert loaded == sorted(loaded, reverse=True)
    assert len(set(loaded)) == 11


def test_identical_redeploys_collapse_and_a_b_a_does_not(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for image in ("img:1", "img:1", "img:2", "img:1"):
            deploy(client, "loc", image)
            run_once(client, cache)
    loads = cache.history("loc")
    assert len(loads) == 4
    groups = collapse(loads)
    assert [g.count for g in groups] == [1, 1, 2]
    assert [g.head.deploy.image for g in groups] == ["img:1", "img:2", "img:1"]
    assert not loads[2].summary  # the identical redeploy changed nothing


def test_failed_load_and_recovery_are_reported(empty_server, cache):
    register(empty_server, "img:1", V1)
    register_broken(empty_server, "img:bad", "No module named 'polars'")
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        run_once(client, cache)
        client.submit_document(
            {"location_name": "loc", "image": "img:bad", "code_source": {"package_name": "loc"}}
        )
        failed = run_once(client, cache)
        assert failed.newly_failed == ("loc",)
        newest = cache.history("loc", limit=1)[0]
        assert newest.status == LoadStatus.ERROR
        assert newest.error is not None
        assert "polars" in newest.error
        assert cache.locations()[0].status == "ERROR"
        # the failed load did not change the definitions
        assert cache.snapshot_at("loc", newest.loaded_at) == {a.key: a for a in V1}
        deploy(client, "loc", "img:1")
        recovered = run_once(client, cache)
    assert recovered.recovered == ("loc",)
    assert cache.locations()[0].status == "LOADED"


@pytest.mark.parametrize(("more", "cap", "pages"), [(5, 1000, 3), (6, 4, 4)])
def test_later_history_pages_are_larger_even_where_the_server_caps_them(
    empty_server, cache, monkeypatch, more, cap, pages
):
    """Pages after the first ask for more; a server that sends fewer than
    asked for (its own cap) still has every page read."""
    from desktop_app.server import resolvers

    monkeypatch.setattr(engine, "HISTORY_PAGE", 3)
    monkeypatch.setattr(engine, "HISTORY_PAGE_MORE", more)
    monkeypatch.setattr(engine, "DETAIL_BUDGET", 0)
    monkeypatch.setattr(resolvers, "MAX_PAGE", cap)
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for i in range(12):
            deploy(client, "loc", "img:1" if i % 2 == 0 else "img:2")
        first = run_once(client, cache)
    assert cache.history_count("loc") == 12
    # statuses with identity, the pages, definitions: 3 + 5 + 4, or 3 + 4 + 4 + 1
    assert first.requests == 2 + pages


@pytest.mark.parametrize("page", [2, 100])
def test_vanished_location_leaves_the_deployment_table(empty_server, cache, monkeypatch, page):
    monkeypatch.setattr(engine, "HISTORY_PAGE", page)
    register(empty_server, "img:1", V1)
    with client_for(empty_server, "demo-token-admin") as client:
        deploy(client, "one", "img:1")
        deploy(client, "two", "img:1")
        run_once(client, cache)
        assert [loc.name for loc in cache.locations()] == ["one", "two"]
        from desktop_app.server.loading import delete_location

        assert delete_location(empty_server.storage, "two")
        result = run_once(client, cache)
    assert result.changed_locations == ("two",)
    assert [loc.name for loc in cache.locations()] == ["one"]
    assert cache.history_count("two") == 1  # history stays readable


def test_viewer_and_capabilities_are_cached(demo_server, cache):
    with client_for(demo_server) as client:
        run_once(client, cache)
    viewer = cache.viewer()
    caps = cache.capabilities()
    assert viewer is not None
    assert viewer.email == "editor@example.com"
    assert caps is not None
    assert caps.history_api
    assert caps.deploy
    assert cache.last_sync() is not None


def test_change_types_of_loads_seen_only_in_history(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for image in ("img:1", "img:2", "img:1"):
            deploy(client, "loc", image)
        run_once(client, cache)  # three loads at once: only the summaries
    newest, middle, _first = cache.history("loc")
    assert middle.summary.change_types == EXPECTED
    back = {k: t for k, t in EXPECTED.items() if k not in {("f",), ("g",)}}
    assert {k: t for k, t in newest.summary.change_types.items() if k in back} == back


@contextmanager
def _three_loads_synced_at_once(server, cache) -> Iterator[DeploymentClient]:
    """V1, V2, V1 deployed, then one sync round: the middle load is known
    only from history."""
    register(server, "img:1", V1)
    register(server, "img:2", V2)
    with client_for(server) as client:
        for image in ("img:1", "img:2", "img:1"):
            deploy(client, "loc", image)
        run_once(client, cache)
        yield client


def test_change_types_beyond_the_round_budget_are_filled_per_asset(
    empty_server, cache, monkeypatch
):
    monkeypatch.setattr(engine, "DETAIL_BUDGET", 0)  # the round learns no change types
    with _three_loads_synced_at_once(empty_server, cache) as client:
        middle = cache.history("loc")[1]
        assert middle.summary.change_types[("a",)] == ()  # changed, types unknown
        assert cache.lacks_details("loc", ("a",))

        before = client.requests_sent
        assert fill_asset_details(client, cache, "loc", ("a",)) >= 1
        assert client.requests_sent > before
        assert not cache.lacks_details("loc", ("a",))
        assert cache.history("loc")[1].summary.change_types[("a",)] == EXPECTED[("a",)]
        assert cache.asset_history("loc", ("a",))[1].change.change_types == EXPECTED[("a",)]
        # other assets are untouched, and a second call asks nothing
        assert cache.history("loc")[1].summary.change_types[("b",)] == ()
        before = client.requests_sent
        assert fill_asset_details(client, cache, "loc", ("a",)) == 0
        assert client.requests_sent == before


def test_server_details_show_what_changed_in_loads_seen_only_in_history(
    empty_server, cache, monkeypatch
):
    monkeypatch.setattr(engine, "DETAIL_BUDGET", 0)  # the round learns no change types
    with _three_loads_synced_at_once(empty_server, cache) as client:
        middle = cache.history("loc")[1].loaded_at
        for key in [("a",), ("b",), ("c",), ("d",)]:
            assert cache.lacks_details("loc", key)
            fill_asset_details(client, cache, "loc", key)
            assert not cache.lacks_details("loc", key)

    def change_at(key):
        return next(e.change for e in cache.asset_history("loc", key) if e.loaded_at == middle)

    code = change_at(("a",)).code_version
    assert code is not None
    assert (code.old, code.new) == ("v1", "v2")
    tags = change_at(("b",)).tags
    assert tags is not None
    assert list(tags.changed) == ["team"]
    metadata = change_at(("c",)).metadata
    assert metadata is not None
    assert list(metadata.changed) == ["rows"]
    deps = change_at(("d",)).dependencies
    assert deps is not None
    assert list(deps.added) == ["b"]
    assert not deps.removed
