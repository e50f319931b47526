"""Auth, a deploy and its history entry, over loopback."""

from __future__ import annotations

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, asset, display, document, gql, history, post, summary


def test_requests_without_or_with_a_wrong_token_get_401(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    body = {"query": "{ permissions { permission value } }"}
    for token in (None, "", "not-a-token"):
        response = post(url, body, token=token)
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"]


def test_a_deploy_loads_the_image_and_writes_history(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image(
        "img:1", {"assets": [asset("raw/orders", code_version="v1"), asset("orders_clean")]}
    )
    result = gql(url, DEPLOY, {"document": document("shop", "img:1")})
    assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    [entry] = history(url, "shop")
    assert entry["loadStatus"] == "LOADED"
    assert entry["configDocument"] == document("shop", "img:1")
    assert display(entry)["initiated_by"] == "editor@example.com"
    assert display(entry)["action"] == "deploy"
    assert summary(entry)["added"] == [("orders_clean",), ("raw", "orders")]
