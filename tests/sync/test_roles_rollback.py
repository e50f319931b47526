"""Who may roll back, and rolling back, against the bundled server."""

from __future__ import annotations

import json

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.roles import Role
from desktop_app.server.demo import DEMO_USERS
from desktop_app.sync.engine import run_once
from desktop_app.sync.rollback import rollback
from tests.api.badserver import Reply, forward_to, scripted
from tests.sync.helpers import client_for, commit_of, deploy, document, register
from tests.sync.test_bundled_sync import V1, V2


@pytest.mark.parametrize("email", sorted(DEMO_USERS))
def test_role_of_each_demo_user(demo_server, email):
    role, token = DEMO_USERS[email]
    with client_for(demo_server, token) as client:
        viewer = client.viewer()
    assert viewer.email == email
    assert viewer.role == role


def test_location_grant_raises_the_role_there(empty_server):
    token = empty_server.add_user("grant@example.com", Role.VIEWER, {"loc": Role.EDITOR})
    with client_for(empty_server, token) as client:
        viewer = client.viewer()
    assert viewer.role_on("elsewhere") == Role.VIEWER
    assert viewer.role_on("loc") == Role.EDITOR


def test_rollback_resubmits_the_earlier_document(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        deploy(client, "loc", "img:2")
        run_once(client, cache)
        newest, older = cache.history("loc")
        refused = rollback(client, cache, "loc", newest.loaded_at)
        assert not refused.ok
        assert "running now" in refused.message
        outcome = rollback(client, cache, "loc", older.loaded_at)
        assert outcome.ok, outcome.message
        result = run_once(client, cache)
    assert result.rolled_back == ("loc",)
    head = cache.history("loc", limit=1)[0]
    assert head.action == "rollback"
    assert head.deploy.commit_hash == commit_of("img:1")
    assert cache.snapshot_at("loc", head.loaded_at) == {a.key: a for a in V1}


def test_a_viewer_is_told_why_not_before_anything_is_sent(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as editor:
        deploy(editor, "loc", "img:1")
        deploy(editor, "loc", "img:2")
    _role, token = DEMO_USERS["viewer@example.com"]
    with client_for(empty_server, token) as client:
        result = run_once(client, cache)
        older = cache.history("loc")[1]
        sent = client.requests_sent
        outcome = rollback(client, cache, "loc", older.loaded_at, viewer=result.viewer)
        assert client.requests_sent == sent
    assert not outcome.ok
    assert "Viewer" in outcome.message


def test_the_server_checks_the_role_again(empty_server, cache):
    register(empty_server, "img:1", V1)
    with client_for(empty_server) as editor:
        deploy(editor, "loc", "img:1")
    _role, token = DEMO_USERS["viewer@example.com"]
    with client_for(empty_server, token) as client:
        outcome = client.submit_document(document("loc", "img:1"))
    assert not outcome.ok
    assert outcome.kind == "UnauthorizedError"


def _hide_user_list(server_url: str):
    """Answers like a Dagster+ deployment that does not let this user list
    users: `usersOrError` is an UnauthorizedError; the rest is the real server's."""
    real = forward_to(server_url)

    def answer(headers: dict[str, str], body: bytes) -> Reply:
        reply = real(headers, body)
        if b"usersOrError" not in body:
            return reply
        payload = json.loads(reply.body)
        payload["data"]["usersOrError"] = {
            "__typename": "UnauthorizedError",
            "message": "Only admins may list users",
        }
        return Reply(reply.status, json.dumps(payload).encode(), reply.headers)

    return answer


@pytest.mark.parametrize(
    ("email", "inferred"),
    [
        ("viewer@example.com", Role.VIEWER),
        ("launcher@example.com", Role.LAUNCHER),
        ("editor@example.com", Role.EDITOR),
        ("admin@example.com", Role.EDITOR),  # permissions cannot tell Admin from Editor
    ],
)
def test_role_is_inferred_from_permissions_without_the_user_list(demo_server, email, inferred):
    _role, token = DEMO_USERS[email]
    assert demo_server.url is not None
    with scripted(_hide_user_list(demo_server.url)) as proxy:
        client = DeploymentClient(ConnectionSettings(url=proxy.url, token=token))
        viewer = client.viewer()
        client.close()
    assert viewer.email == email
    assert viewer.role == inferred
    assert viewer.role_inferred


def test_the_reason_for_an_accepted_rollback_is_kept_for_its_entry(empty_server, cache):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        deploy(client, "loc", "img:2")
        run_once(client, cache)
        newest, older = cache.history("loc")
        refused = rollback(client, cache, "loc", newest.loaded_at, "it is running already")
        assert not refused.ok
        outcome = rollback(client, cache, "loc", older.loaded_at, "  orders job broke \n")
        assert outcome.ok, outcome.message
        run_once(client, cache)
    entry = cache.history("loc", limit=1)[0]
    assert entry.rollback_target == older.loaded_at
    note = cache.rollback_note(entry)
    assert note is not None
    assert (note.reason, note.requested_by) == ("orders job broke", "editor@example.com")
    assert note.target_loaded_at == older.loaded_at
    assert cache.rollback_notes(cache.history("loc")) == {entry.loaded_at: note}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rollback_without_a_reason_keeps_no_note(empty_server, cache, reason):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        deploy(client, "loc", "img:1")
        deploy(client, "loc", "img:2")
        run_once(client, cache)
        older = cache.history("loc")[1]
        assert rollback(client, cache, "loc", older.loaded_at, reason).ok
        run_once(client, cache)
    entry = cache.history("loc", limit=1)[0]
    assert entry.action == "rollback"
    assert cache.rollback_note(entry) is None


def test_a_rollback_the_server_refuses_keeps_no_note(empty_server, cache):
    """The client-side check passes (the token's viewer is an Editor there);
    the server answers UnauthorizedError after a grant was withdrawn."""
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as editor:
        deploy(editor, "loc", "img:1")
        deploy(editor, "loc", "img:2")
    token = empty_server.add_user("grant@example.com", Role.VIEWER, {"loc": Role.EDITOR})
    with client_for(empty_server, token) as client:
        run_once(client, cache)
        older = cache.history("loc")[1]
        viewer = client.viewer()  # asked now, while the grant still holds
        empty_server.add_user("grant@example.com", Role.VIEWER, {})
        outcome = rollback(
            client, cache, "loc", older.loaded_at, "should not be kept", viewer=viewer
        )
    assert not outcome.ok
    assert outcome.kind == "UnauthorizedError"
    with cache.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM rollback_note").scalar() == 0
