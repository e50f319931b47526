"""What a round returns: everything the GUI shows, as a plain value that
crosses a process boundary; identity asked every round."""

from __future__ import annotations

import json
import pickle

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.roles import Role
from desktop_app.core.round import EventKind, RoundResult
from desktop_app.sync.engine import run_once
from tests.api.badserver import Reply, forward_to, scripted
from tests.sync.helpers import EDITOR_TOKEN, client_for, deploy, register, register_broken
from tests.sync.test_bundled_sync import V1, V2


def test_the_result_carries_what_the_gui_shows(demo_server, cache):
    with client_for(demo_server) as client:
        result = run_once(client, cache)
    assert result.viewer.email == "editor@example.com"
    assert result.viewer.role is Role.EDITOR
    assert result.capabilities.deploy
    assert [loc.name for loc in result.locations] == [loc.name for loc in cache.locations()]
    assert result.locations == tuple(cache.locations())
    assert result.synced_at == cache.last_sync()
    assert result.events == ()  # a first sync announces nothing


def test_the_result_pickles_and_round_trips_through_json(demo_server, cache):
    with client_for(demo_server) as client:
        result = run_once(client, cache)
    assert pickle.loads(pickle.dumps(result)) == result
    text = json.dumps(result.to_dict())
    assert RoundResult.from_dict(json.loads(text)) == result


def test_a_role_changed_on_the_server_shows_in_the_next_round(empty_server, cache):
    token = empty_server.add_user("someone@example.com", Role.EDITOR)
    with client_for(empty_server, token) as client:
        assert run_once(client, cache).viewer.role is Role.EDITOR
        empty_server.add_user("someone@example.com", Role.VIEWER)  # the token stays valid
        demoted = run_once(client, cache)
        empty_server.add_user("someone@example.com", Role.ADMIN)
        promoted = run_once(client, cache)
    assert demoted.viewer.role is Role.VIEWER
    assert demoted.requests == 1  # identity rides on the status request
    assert promoted.viewer.role is Role.ADMIN


def test_failure_recovery_and_rollback_are_events(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    register_broken(empty_server, "img:bad", "ImportError: no module named orders")
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        deploy(client, "loc", "img:2")
        run_once(client, cache)
        deploy(client, "loc", "img:bad")
        failed = run_once(client, cache)
        deploy(client, "loc", "img:1")
        recovered = run_once(client, cache)
    [failure] = failed.events
    assert failure.kind is EventKind.FAILED
    assert failure.location == "loc"
    assert "no module named orders" in failure.message
    assert failed.failing == ("loc",)
    kinds = [e.kind for e in recovered.events]
    assert kinds == [EventKind.RECOVERED, EventKind.ROLLED_BACK]
    assert recovered.rolled_back == ("loc",)
    assert recovered.failing == ()


def test_a_refused_user_list_falls_back_to_identity(empty_server, cache):
    """A server that answers the heartbeat's user list with a GraphQL error
    is asked for identity alone, then and in later rounds."""
    assert empty_server.url is not None
    real = forward_to(empty_server.url)
    refused = Reply(200, json.dumps({"data": None, "errors": [{"message": "no"}]}).encode())
    with scripted(real, refused, real, real) as proxy:
        settings = ConnectionSettings(url=proxy.url, token=EDITOR_TOKEN)
        with DeploymentClient(settings) as client:
            first = run_once(client, cache)
            second = run_once(client, cache)
    assert first.viewer.email == "editor@example.com"
    assert first.viewer.role_inferred  # from permissions, not grants
    assert second.requests == 1
