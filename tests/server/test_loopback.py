"""A loopback server keeps web pages out (Host, Origin, content type), and
the published demo tokens work only on a --demo server on loopback."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from desktop_app.core.roles import Role
from desktop_app.server.origin import is_loopback, is_loopback_host_header
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.storage import Storage
from desktop_app.server.wsgi import GraphQLApp
from tests import databases
from tests.server.helpers import TIMEOUT, gql, post, token_of

QUERY = {"query": "{ identity { viewer { email } } }"}
EDITOR = token_of("editor@example.com")


def _post(url: str, headers: dict[str, str]) -> requests.Response:
    headers = {"Dagster-Cloud-Api-Token": EDITOR, **headers}
    return requests.post(url, json=QUERY, headers=headers, timeout=TIMEOUT)


@pytest.fixture
def url(empty_server: EmbeddedServer) -> str:
    assert empty_server.url is not None
    return empty_server.url


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("", False),
        ("::", False),
        ("10.1.2.3", False),
        ("192.168.0.127", False),
        ("127.0.0.1.nip.invalid", False),  # .invalid never resolves
    ],
)
def test_loopback_is_decided_on_addresses(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("127.0.0.1:3000", True),
        ("localhost:3000", True),
        ("LOCALHOST", True),
        ("[::1]:3000", True),
        ("127.0.0.1", True),
        ("attacker.example:3000", False),
        ("127.0.0.1.attacker.example", False),
        ("localhost.attacker.example:3000", False),
        ("[::1]x:3000", False),
    ],
)
def test_host_headers_are_judged_without_resolving(header: str, expected: bool) -> None:
    assert is_loopback_host_header(header) is expected


def test_a_foreign_host_is_refused(url: str) -> None:
    """What DNS rebinding sends: the attacker's name, our address."""
    response = _post(url, {"Host": "attacker.example:80"})
    assert response.status_code == 421
    assert "loopback" in response.json()["errors"][0]["message"]
    port = url.rsplit(":", 1)[1].split("/")[0]
    ok = _post(url, {"Host": f"localhost:{port}"})
    assert ok.status_code == 200


def test_a_cross_site_origin_is_refused(url: str) -> None:
    response = _post(url, {"Origin": "https://attacker.example"})
    assert response.status_code == 403
    assert "attacker.example" in response.json()["errors"][0]["message"]
    null = _post(url, {"Origin": "null"})
    assert null.status_code == 403
    own = url.removesuffix("/graphql")
    assert _post(url, {"Origin": own}).status_code == 200


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_only_json_bodies_are_taken(url: str, content_type: str | None) -> None:
    headers = {"Dagster-Cloud-Api-Token": EDITOR}
    if content_type:
        headers["Content-Type"] = content_type
    response = requests.post(url, data=json.dumps(QUERY), headers=headers, timeout=TIMEOUT)
    assert response.status_code == 415
    charset = {**headers, "Content-Type": "application/json; charset=utf-8"}
    ok = requests.post(url, data=json.dumps(QUERY), headers=charset, timeout=TIMEOUT)
    assert ok.status_code == 200


@pytest.fixture
def once_demo(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A copy of a database written by a demo server."""
    url = databases.fresh(tmp_path, template=request.getfixturevalue("_demo_database"))
    yield url
    databases.drop(url)


def test_demo_tokens_need_a_demo_server(once_demo: str) -> None:
    """A database once served with --demo, served without it, no longer
    lets the published tokens in; tokens of real users still work."""
    with EmbeddedServer(once_demo) as server:
        assert server.url is not None
        response = post(server.url, QUERY, token=EDITOR)
        assert response.status_code == 401
        assert "--demo" in response.json()["errors"][0]["message"]
        token = server.add_user("real@example.com", Role.VIEWER)
        assert gql(server.url, QUERY["query"], token=token)["identity"]["viewer"]["email"] == (
            "real@example.com"
        )
    with EmbeddedServer(once_demo, demo=True, load_demo_data=False) as demo:
        assert demo.url is not None
        assert post(demo.url, QUERY, token=EDITOR).status_code == 200


def _call(app: GraphQLApp, token: str) -> str:
    body = json.dumps(QUERY).encode()
    environ = {
        "PATH_INFO": "/graphql",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "deploy.example.com",
        "HTTP_DAGSTER_CLOUD_API_TOKEN": token,
        "REMOTE_ADDR": "192.0.2.1",
        "wsgi.input": io.BytesIO(body),
    }
    statuses: list[str] = []
    b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0]


def test_demo_tokens_are_refused_off_loopback(once_demo: str) -> None:
    """An app told it is in demo mode but not on loopback (no server can be
    made so, but the app does not rely on that) still refuses them; off
    loopback, Host and Origin are not its business."""
    storage = Storage(once_demo)
    try:
        assert _call(GraphQLApp(storage, loopback=False, demo=True), EDITOR).startswith("401")
        assert _call(GraphQLApp(storage, loopback=True, demo=True), EDITOR).startswith("421")
    finally:
        storage.close()
