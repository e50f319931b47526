"""Every failure raises a typed error and leaves the cache as it was."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import BadResponse, GraphQLError, ServerError, Unauthorized, Unreachable
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.writer import CacheWriter
from desktop_app.sync.engine import run_once
from tests.api.badserver import Reply, forward_to, scripted
from tests.sync.helpers import EDITOR_TOKEN, client_for, deploy, register
from tests.sync.test_bundled_sync import V1, V2


def _state(cache: HistoryCache) -> object:
    return (
        cache.locations(),
        {loc.name: cache.history(loc.name) for loc in cache.locations()},
        cache.viewer(),
        cache.last_sync(),
    )


@pytest.fixture
def synced(empty_server, cache):
    """A cache synced once; the server then has one new load to offer."""
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        run_once(client, cache)
        deploy(client, "loc", "img:2")
    return cache


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_down(synced):
    before = _state(synced)
    url = f"http://127.0.0.1:{_free_port()}/graphql"
    client = DeploymentClient(ConnectionSettings(url=url, token=EDITOR_TOKEN))
    with client, pytest.raises(Unreachable) as info:
        run_once(client, synced)
    assert "127.0.0.1" in str(info.value)
    assert _state(synced) == before


def test_wrong_token(empty_server, synced):
    before = _state(synced)
    with client_for(empty_server, "not-a-token") as client, pytest.raises(Unauthorized):
        run_once(client, synced)
    assert _state(synced) == before


# Request order of a round on a fresh client: capabilities, statuses with
# identity, history page, definitions. Fail each one in turn (a GraphQL
# error in the heartbeat is retried without the user list; see
# test_a_refused_user_list_falls_back_to_identity).
@pytest.mark.parametrize("fail_at", [0, 2, 3])
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(500, b"Internal Server Error"), ServerError),
        (Reply(200, b"<html>not json</html>"), BadResponse),
        (Reply(200, json.dumps({"data": {"unexpected": 1}}).encode()), BadResponse),
        (
            Reply(200, json.dumps({"data": None, "errors": [{"message": "boom"}]}).encode()),
            GraphQLError,
        ),
    ],
)
def test_bad_answers_at_any_step(empty_server, synced, fail_at, reply, error):
    before = _state(synced)
    assert empty_server.url is not None
    real = forward_to(empty_server.url)
    answers = [real] * fail_at + [reply, real]
    with scripted(*answers) as proxy:
        client = DeploymentClient(ConnectionSettings(url=proxy.url, token=EDITOR_TOKEN))
        with pytest.raises(error):
            run_once(client, synced)
        client.close()
    assert _state(synced) == before
    # and the next good round still brings the new load
    with client_for(empty_server) as client:
        assert run_once(client, synced).new_loads == 1


def test_failure_while_writing_rolls_the_location_back(empty_server, synced, monkeypatch):
    """Each location is written in a transaction of its own: a failure
    half-way through writing it keeps none of it."""
    before = _state(synced)
    original = CacheWriter.update_location

    def broken(self: CacheWriter, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(CacheWriter, "update_location", broken)
    with client_for(empty_server) as client, pytest.raises(OSError, match="disk full"):
        run_once(client, synced)
    assert _state(synced) == before
    monkeypatch.undo()
    with client_for(empty_server) as client:
        assert run_once(client, synced).new_loads == 1


def test_corrupt_cache_is_moved_aside_and_rebuilt(demo_server, tmp_path: Path):
    path = tmp_path / "deployment.sqlite"
    with HistoryCache.open(path) as cache, client_for(demo_server) as client:
        run_once(client, cache)
        expected = {loc.name: cache.history_count(loc.name) for loc in cache.locations()}
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100  # wipe the SQLite header
    path.write_bytes(bytes(data))
    with HistoryCache.open(path) as cache, client_for(demo_server) as client:
        assert cache.recovered_from is not None
        assert cache.recovered_from.exists()
        assert cache.locations() == []
        run_once(client, cache)
        assert {loc.name: cache.history_count(loc.name) for loc in cache.locations()} == expected
