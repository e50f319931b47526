"""What a hostile or broken server can make the transport do is bounded:
size, decompressed size, nesting, time, redirects, Retry-After, requests."""

from __future__ import annotations

import gzip
import json
import threading
import time

import pytest

from desktop_app.api.errors import BadResponse, ServerError, Unreachable
from desktop_app.api.transport import MAX_DEPTH, Transport, decode_json
from tests.api.badserver import Reply, scripted

JSON = {"Content-Type": "application/json"}
OK = Reply(200, json.dumps({"data": {"ok": True}}).encode(), JSON)


def _transport(url: str, **kwargs: object) -> Transport:
    return Transport(url, {"Dagster-Cloud-Api-Token": "secret"}, sleep=lambda _s: None, **kwargs)  # type: ignore[arg-type]


def test_an_answer_larger_than_the_bound_is_refused():
    body = b'{"data": {"x": "' + b"a" * 300_000 + b'"}}'
    with scripted(Reply(200, body, JSON)) as server:
        transport = _transport(server.url, max_bytes=100_000)
        with pytest.raises(BadResponse, match="larger than"):
            transport.execute("{ x }")
        transport.close()


def test_a_gzip_bomb_is_refused_while_it_inflates():
    inflated = b'{"data": {"x": "' + b"0" * (50 * 2**20)
    bomb = gzip.compress(inflated, compresslevel=9)
    assert len(bomb) < 200_000
    headers = {**JSON, "Content-Encoding": "gzip"}
    with scripted(Reply(200, bomb, headers)) as server:
        transport = _transport(server.url, max_bytes=2 * 2**20)
        with pytest.raises(BadResponse, match="larger than 2 MB"):
            transport.execute("{ x }")
        transport.close()
    assert transport.bytes_received == 0


@pytest.mark.parametrize("size", [2_000, 400_000])
def test_deep_nesting_is_refused_small_or_streamed(size: int):
    depth = MAX_DEPTH + 10
    body = b'{"data": {"x": ' + b"[" * depth + b"1" + b"]" * depth + b"}}"
    body += b" " * max(0, size - len(body))
    with pytest.raises(ValueError, match="nested"):
        decode_json(body)
    with scripted(Reply(200, body, JSON)) as server:
        transport = _transport(server.url)
        with pytest.raises(BadResponse, match="nested too deeply"):
            transport.execute("{ x }")
        transport.close()


def test_a_million_brackets_do_not_recurse():
    body = b"[" * 1_000_000
    with pytest.raises(ValueError, match="nested"):
        decode_json(body)


def test_nan_and_infinity_are_not_json():
    assert decode_json(b'{"data": {"t": NaN}}') is None
    assert decode_json(b'{"data": {"t": Infinity}}') is None


def test_a_dripping_answer_ends_at_the_deadline():
    body = json.dumps({"data": {"ok": True}}).encode() * 20
    with scripted(Reply(200, body, JSON, drip=0.2)) as server:
        transport = _transport(server.url, deadline=1.5, read_timeout=5.0)
        started = time.monotonic()
        with pytest.raises(Unreachable, match="did not finish its answer within 2 s"):
            transport.execute("{ ok }")
        elapsed = time.monotonic() - started
        transport.close()
    assert elapsed < 1.5 + 5.0  # the deadline, plus at most one read's wait


def test_a_redirect_to_another_origin_gets_no_token():
    with scripted(OK) as elsewhere:
        moved = Reply(307, b"", {"Location": elsewhere.url})
        with scripted(moved) as server:
            transport = _transport(server.url)
            with pytest.raises(BadResponse, match="not followed"):
                transport.execute("{ ok }")
            transport.close()
    assert elsewhere.requests == []


def test_a_long_retry_after_is_not_waited_for_and_says_so():
    slept: list[float] = []
    with scripted(Reply(429, b"", {"Retry-After": "30"}), OK) as server:
        transport = Transport(server.url, {}, sleep=slept.append)
        with pytest.raises(ServerError, match=r"busy \(HTTP 429\) and asks to wait 30 s"):
            transport.execute("{ ok }")
        transport.close()
    assert slept == []
    assert len(server.requests) == 1


def test_busy_after_every_retry_is_not_blamed_on_the_url():
    with scripted(Reply(429, b"", {"Retry-After": "1"})) as server:
        transport = _transport(server.url)
        with pytest.raises(ServerError, match="busy or unavailable") as info:
            transport.execute("{ ok }")
        transport.close()
    assert "URL" not in str(info.value)


def test_a_round_budget_stops_requests():
    with scripted(OK) as server:
        transport = _transport(server.url)
        transport.begin_round(2)
        transport.execute("{ ok }")
        transport.execute("{ ok }")
        with pytest.raises(BadResponse, match="more requests than one round"):
            transport.execute("{ ok }")
        transport.begin_round(None)
        transport.execute("{ ok }")
        transport.close()
    assert len(server.requests) == 3


def test_headers_dripping_end_at_the_deadline_too():
    with scripted(Reply(200, b"", JSON, drip=0.2, drip_headers=True)) as server:
        transport = _transport(server.url, deadline=1.5, read_timeout=5.0)
        started = time.monotonic()
        with pytest.raises(Unreachable, match="did not finish its answer within 2 s"):
            transport.execute("{ ok }")
        elapsed = time.monotonic() - started
        transport.close()
    assert elapsed < 4.0  # the deadline, not 1000 headers x 0.2 s


def test_an_unusable_location_name_is_refused():
    from desktop_app.api import parse

    for name in ("", "x" * 1_000_000):
        data = {
            "locationStatusesOrError": {
                "__typename": "WorkspaceLocationStatusEntries",
                "entries": [
                    {"name": name, "loadStatus": "LOADED", "updateTimestamp": 1, "versionKey": "k"}
                ],
            }
        }
        with pytest.raises(BadResponse, match="unusable location name"):
            parse.location_statuses(data)


def test_a_deadline_cuts_only_the_request_that_overran():
    """A round sends several requests at once: one overrunning its deadline
    must not break the others' answers."""
    good = json.dumps({"data": {"ok": True}}).encode()

    def answer(_headers: dict[str, str], body: bytes) -> Reply:
        if b"slow" in body:  # never ends within the deadline
            return Reply(200, good * 50, JSON, drip=0.1)
        return Reply(200, good, JSON, drip=0.1, drip_size=2)  # ~1.2 s, within it

    with scripted(answer) as server:
        transport = _transport(server.url, deadline=1.6, read_timeout=5.0)
        results: dict[str, object] = {}

        def send(name: str) -> None:
            try:
                results[name] = transport.execute("{ " + name + " }")
            except Unreachable as exc:
                results[name] = exc

        threads = [threading.Thread(target=send, args=(n,)) for n in ("slow", "fine")]
        threads[0].start()
        time.sleep(1.0)  # "fine" is mid-answer when "slow" overruns (at 1.6 s)
        threads[1].start()
        for thread in threads:
            thread.join(10)
        transport.close()
    assert isinstance(results["slow"], Unreachable)
    assert "did not finish its answer" in str(results["slow"])
    assert results["fine"] == {"ok": True}
