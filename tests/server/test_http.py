"""Bad input at the HTTP and GraphQL level gets a precise error, no stack
trace, and changes nothing."""

from __future__ import annotations

import pytest
import requests

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import TIMEOUT, gql, post, token_of

TOKEN = {
    "Dagster-Cloud-Api-Token": token_of("editor@example.com"),
    "Content-Type": "application/json",
}


@pytest.fixture
def url(empty_server: EmbeddedServer) -> str:
    assert empty_server.url is not None
    return empty_server.url


def _no_stack(response: requests.Response) -> None:
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


def test_missing_and_unknown_tokens_are_401_with_a_json_error(url: str) -> None:
    body = {"query": "{ permissions { permission } }"}
    missing = post(url, body, token=None)
    wrong = post(url, body, token="user:0123456789abcdef")
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/json"
        assert "Dagster-Cloud-Api-Token" in response.json()["errors"][0]["message"]
    assert "missing" in missing.json()["errors"][0]["message"]
    assert "unknown" in wrong.json()["errors"][0]["message"]


def test_every_demo_user_is_let_in(url: str) -> None:
    for email in ("viewer@example.com", "launcher@example.com", "org-admin@example.com"):
        data = gql(url, "{ identity { viewer { email } } }", as_user=email)
        assert data["identity"]["viewer"]["email"] == email


def test_other_methods_get_405(url: str) -> None:
    response = requests.get(url, headers=TOKEN, timeout=TIMEOUT)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert requests.put(url, headers=TOKEN, timeout=TIMEOUT).status_code == 405


def test_other_paths_get_404(url: str) -> None:
    response = requests.post(url.replace("/graphql", "/admin"), headers=TOKEN, timeout=TIMEOUT)
    assert response.status_code == 404


def test_bodies_over_one_megabyte_get_413(url: str) -> None:
    big = '{"query": "{ permissions { permission } }", "pad": "' + "x" * (1024 * 1024) + '"}'
    response = requests.post(
        url, data=big, headers={**TOKEN, "Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"query": 42}', b'{"variables": {}}'],
    ids=["malformed", "not-utf8", "array", "query-not-string", "no-query"],
)
def test_malformed_requests_get_400_with_errors(url: str, body: bytes) -> None:
    response = requests.post(url, data=body, headers=TOKEN, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    _no_stack(response)


def test_a_graphql_syntax_error_names_the_spot(url: str) -> None:
    response = post(url, {"query": "{ permissions { permission "})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert "Syntax Error" in error["message"]
    assert error["locations"]
    _no_stack(response)


def test_an_unknown_field_fails_validation(url: str) -> None:
    response = post(url, {"query": "{ workspaceOrError { ... on Workspace { nope } } }"})
    assert response.status_code == 400
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


def test_wrong_variable_types_are_rejected(url: str) -> None:
    query = """query($n: String!, $l: Int!) {
      locationLoadHistory(locationName: $n, limit: $l) { loadStatus } }"""
    response = post(url, {"query": query, "variables": {"n": "x", "l": "ten"}})
    assert response.status_code == 400
    assert "$l" in response.json()["errors"][0]["message"]
    missing = post(url, {"query": query, "variables": {"l": 3}})
    assert missing.status_code == 400
    assert "$n" in missing.json()["errors"][0]["message"]
    _no_stack(response)


def test_a_bad_cursor_is_a_graphql_error(url: str) -> None:
    query = (
        '{ locationLoadHistory(locationName: "x", limit: 5, cursor: "yesterday") { loadStatus } }'
    )
    response = post(url, {"query": query})
    body = response.json()
    assert "cursor" in body["errors"][0]["message"]
    _no_stack(response)


def test_operation_name_picks_the_operation(url: str) -> None:
    query = "query A { permissions { permission } } query B { identity { viewer { email } } }"
    response = post(url, {"query": query, "operationName": "B"})
    assert response.status_code == 200
    assert response.json()["data"] == {"identity": {"viewer": {"email": "editor@example.com"}}}
    ambiguous = post(url, {"query": query})
    assert ambiguous.status_code == 400


def test_introspection_lists_the_history_and_deploy_fields(url: str) -> None:
    data = gql(
        url,
        "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
    )
    queries = {f["name"] for f in data["__schema"]["queryType"]["fields"]}
    mutations = {f["name"] for f in data["__schema"]["mutationType"]["fields"]}
    assert {"locationLoadHistory", "assetDiffHistory", "identity", "usersOrError"} <= queries
    assert "addOrUpdateLocationFromDocument" in mutations


def test_internal_failures_are_reported_without_internals(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    # A damaged database, as an operator might cause.
    cascade = "" if empty_server.storage.is_sqlite else " CASCADE"
    with empty_server.storage.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"DROP TABLE loads{cascade}")
    query = """{ permissions { permission }
      locationLoadHistory(locationName: "x", limit: 5) { loadStatus } }"""
    response = post(url, {"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None or body["data"].get("permissions")
    [error] = body["errors"]
    assert error["message"] == "Internal server error; the server log has the details."
    assert error["path"] == ["locationLoadHistory"]
    assert "SELECT" not in response.text
    _no_stack(response)
