"""Hostile bodies are refused early, with a JSON error and one log line,
never a traceback."""

from __future__ import annotations

import json

import pytest
import requests

from desktop_app.server.body import MAX_BODY, MAX_JSON_DEPTH
from desktop_app.server.runner import EmbeddedServer
from tests.server import rawhttp
from tests.server.helpers import TIMEOUT, token_of

HEADERS = {
    "Dagster-Cloud-Api-Token": token_of("editor@example.com"),
    "Content-Type": "application/json",
}
PERMISSIONS = "{ permissions { permission } }"


@pytest.fixture
def url(empty_server: EmbeddedServer) -> str:
    assert empty_server.url is not None
    return empty_server.url


def _send(url: str, body: str | bytes) -> requests.Response:
    return requests.post(url, data=body, headers=HEADERS, timeout=TIMEOUT)


def _refused(
    response: requests.Response, caplog: pytest.LogCaptureFixture, status: int, words: str
) -> None:
    assert response.status_code == status, response.text
    message = response.json()["errors"][0]["message"]
    assert words in message
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name.startswith("desktop_app.server")]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].exc_info is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"query": "q", "variables": {"x": ' + "[" * 5000 + "]" * 5000 + "}}", "nested deeper"),
        ('{"query": "q", "variables": {"x": ' + "[" * 100 + "]" * 100 + "}}", "nested deeper"),
        ('{"query": "q", "variables": {"x": ' + "9" * 5000 + "}}", "5000 digits"),
        ('{"query": "q", "variables": {"x": NaN}}', "NaN"),
        ('{"query": "q", "variables": {"name": "\\ud800"}}', "lone surrogate"),
        ('{"query": "q", "variables": {"\\udfff": 1}}', "lone surrogate"),
    ],
    ids=["deep-5000", "deep-100", "huge-integer", "nan", "lone-surrogate", "surrogate-key"],
)
def test_hostile_json_is_a_400(
    url: str, caplog: pytest.LogCaptureFixture, body: str, words: str
) -> None:
    caplog.set_level("INFO")
    _refused(_send(url, body), caplog, 400, words)


def test_json_nested_within_the_limit_is_fine(url: str) -> None:
    nested = "[" * (MAX_JSON_DEPTH - 3) + "]" * (MAX_JSON_DEPTH - 3)
    body = '{"query": "' + PERMISSIONS + '", "variables": {"x": ' + nested + "}}"
    response = _send(url, body)
    assert response.status_code == 200, response.text


def test_a_body_over_the_limit_is_refused_from_its_content_length(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The headers announce 200 MB; not a byte of it is sent, and the
    answer comes anyway."""
    caplog.set_level("INFO")
    headers = {**HEADERS, "Content-Length": str(200 * 1024 * 1024)}
    with rawhttp.connect(url) as sock:
        sock.sendall(rawhttp.head(url, headers))
        status, body = rawhttp.read_response(sock)
    assert status == 413
    assert "1 MB" in json.loads(body)["errors"][0]["message"]
    logged = [r for r in caplog.records if r.name.startswith("desktop_app.server")]
    assert len(logged) == 1
    assert "413" in logged[0].getMessage()


def test_a_chunked_body_is_cut_off_at_the_limit(url: str) -> None:
    headers = {**HEADERS, "Transfer-Encoding": "chunked"}
    chunk = b"x" * 65536
    sent = 0
    with rawhttp.connect(url) as sock:
        sock.sendall(rawhttp.head(url, headers))
        try:
            while sent < 20 * MAX_BODY:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection at the limit
        status, _body = rawhttp.read_response(sock)
    assert status == 413
    assert sent < 20 * MAX_BODY


def test_the_plain_413_still_answers_json(url: str) -> None:
    big = '{"query": "' + PERMISSIONS + '", "pad": "' + "x" * MAX_BODY + '"}'
    response = _send(url, big)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
