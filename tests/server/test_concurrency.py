"""Concurrent requests are safe: parallel deploys all land, each as its own
history entry with a unique timestamp, while readers keep reading."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, asset, document, gql, history, summary

STATUS = (
    "{ locationStatusesOrError { ... on WorkspaceLocationStatusEntries { entries { name } } } }"
)


def test_parallel_deploys_and_reads(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    for n in range(4):
        empty_server.register_image(
            f"img:{n}", {"assets": [asset(f"a{i}", code_version=str(n)) for i in range(50)]}
        )

    def deploy(job: int) -> str:
        location = f"loc{job % 3}"
        result = gql(url, DEPLOY, {"document": document(location, f"img:{job % 4}", f"{job:07x}")})
        return str(result["addOrUpdateLocationFromDocument"]["__typename"])

    def read(_job: int) -> int:
        return len(gql(url, STATUS)["locationStatusesOrError"]["entries"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        deploys = pool.map(deploy, range(24))
        reads = pool.map(read, range(24))
        assert set(deploys) == {"WorkspaceEntry"}
        assert all(0 <= count <= 3 for count in reads)
    for location in ("loc0", "loc1", "loc2"):
        entries = history(url, location)
        assert len(entries) == 8
        stamps = [e["codeLocationDataUploadTimestamp"] for e in entries]
        assert len(set(stamps)) == 8
        # Every load diffed against the one before it, so the changes add up.
        first = entries[-1]
        assert len(summary(first)["added"]) == 50
        for newer, older in itertools.pairwise(entries):
            changed = newer["configDocument"]["image"] != older["configDocument"]["image"]
            assert bool(summary(newer)["modified"]) == changed
