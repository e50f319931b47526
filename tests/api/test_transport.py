"""Transport failures become typed errors; queries retry, mutations do not."""

from __future__ import annotations

import json
import socket

import pytest

from desktop_app.api.errors import BadResponse, GraphQLError, ServerError, Unauthorized, Unreachable
from desktop_app.api.transport import Transport, parse_retry_after
from tests.api.badserver import Reply, scripted

OK = Reply(200, json.dumps({"data": {"ok": True}}).encode(), {"Content-Type": "application/json"})


def _transport(url: str, sleeps: list[float] | None = None) -> Transport:
    waits = sleeps if sleeps is not None else []
    return Transport(url, {"Dagster-Cloud-Api-Token": "t0k"}, sleep=waits.append)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_down_is_unreachable():
    transport = _transport(f"http://127.0.0.1:{_free_port()}/graphql")
    with pytest.raises(Unreachable, match=r"Cannot reach 127\.0\.0\.1"):
        transport.execute("{ ok }")
    transport.close()


def test_token_header_is_sent_and_bytes_are_counted():
    with scripted(OK) as server:
        transport = _transport(server.url)
        assert transport.execute("{ ok }") == {"ok": True}
        transport.close()
    headers, body = server.requests[0]
    assert headers["Dagster-Cloud-Api-Token"] == "t0k"
    assert json.loads(body)["query"] == "{ ok }"
    assert transport.requests_sent == 1
    assert transport.bytes_received == len(OK.body)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_is_unauthorized(status):
    with scripted(Reply(status, b"no")) as server:
        transport = _transport(server.url)
        with pytest.raises(Unauthorized, match="token"):
            transport.execute("{ ok }")
        transport.close()


def test_http_500_is_server_error():
    with scripted(Reply(500, b"boom")) as server:
        transport = _transport(server.url)
        with pytest.raises(ServerError, match="HTTP 500"):
            transport.execute("{ ok }")
        transport.close()
    assert len(server.requests) == 1  # 500 is not retried


def test_malformed_json_is_bad_response():
    with scripted(Reply(200, b"{not json")) as server:
        transport = _transport(server.url)
        with pytest.raises(BadResponse):
            transport.execute("{ ok }")
        transport.close()


def test_graphql_errors_are_graphql_error():
    body = json.dumps({"data": None, "errors": [{"message": "Cannot query field 'x'"}]})
    with scripted(Reply(400, body.encode())) as server:
        transport = _transport(server.url)
        with pytest.raises(GraphQLError, match="Cannot query field") as info:
            transport.execute("{ x }")
        transport.close()
    assert info.value.errors == ["Cannot query field 'x'"]


def test_queries_retry_on_429_and_honour_retry_after():
    sleeps: list[float] = []
    with scripted(Reply(429, b"", {"Retry-After": "2"}), Reply(503, b""), OK) as server:
        transport = _transport(server.url, sleeps)
        assert transport.execute("{ ok }") == {"ok": True}
        transport.close()
    assert len(server.requests) == 3
    assert sleeps[0] == 2.0
    assert len(sleeps) == 2


def test_mutations_are_not_retried():
    with scripted(Reply(503, b""), OK) as server:
        transport = _transport(server.url)
        with pytest.raises(ServerError, match="503"):
            transport.execute("mutation { ok }", mutation=True)
        transport.close()
    assert len(server.requests) == 1


def test_retries_give_up():
    sleeps: list[float] = []
    with scripted(Reply(502, b"")) as server:
        transport = _transport(server.url, sleeps)
        with pytest.raises(ServerError, match="502"):
            transport.execute("{ ok }")
        transport.close()
    assert len(server.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
