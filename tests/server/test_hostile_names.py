"""Names, image references and commits that would reach terminals, logs
and every client's poll are refused with InvalidLocationError naming the
field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.server.manifest import ManifestError
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.validation import MAX_NAME
from tests.server.helpers import DEPLOY, asset, document, gql

GOOD = document("shop", "img:1")
MEGA = 1_000_000  # a request body holds at most 1 MB


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def _git(**changes: Any) -> dict[str, Any]:
    return {**GOOD, "git": {**GOOD["git"], **changes}}


HOSTILE = {
    "name-1mb": (_with(location_name="a" * MEGA), "location_name"),
    "name-long": (_with(location_name="a" * (MAX_NAME + 1)), "location_name"),
    "name-nul": (_with(location_name="shop\x00"), "location_name"),
    "name-ansi": (_with(location_name="shop\n\x1b[31mPWNED\x1b[0m"), "location_name"),
    "name-rtl": (_with(location_name="shop\u202egpj.exe"), "location_name"),
    "name-trailing-blank": (_with(location_name="shop "), "location_name"),
    "name-dot": (_with(location_name="shop.v2"), "location_name"),
    "name-unicode": (_with(location_name="shöp"), "location_name"),
    "image-1mb": (_with(image="img:" + "1" * MEGA), "image"),
    "image-space": (_with(image="img 1"), "image"),
    "image-ansi": (_with(image="img:1\x1b[2J"), "image"),
    "commit-1mb": (_git(commit_hash="a" * MEGA), "git.commit_hash"),
    "commit-short": (_git(commit_hash="abc12"), "git.commit_hash"),
    "commit-not-hex": (_git(commit_hash="z" * 40), "git.commit_hash"),
    "commit-newline": (_git(commit_hash="a" * 40 + "\n"), "git.commit_hash"),
    "url-rtl": (_git(url="https://github.com/\u202eacme"), "git.url"),
    "url-long": (_git(url="https://x/" + "a" * 5000), "git.url"),
    "module-nul": (_with(code_source={"package_name": "shop\x00"}), "code_source.package_name"),
    "dir-ansi": (_with(working_directory="/app\x1b[0m"), "working_directory"),
    "context-ansi": (
        _with(container_context={"k8s": {"env_vars": ["A=\x1b[31m"]}}),
        "container_context.k8s.env_vars[0]",
    ),
    "key-ansi": (_with(**{"\x1b[31mkey": "v"}), "[" + ascii("\x1b[31mkey") + "]"),
    "document-huge": (_with(container_context={"pad": ["x" * 500] * 200}), "document"),
}


@pytest.fixture
def url(empty_server: EmbeddedServer) -> str:
    assert empty_server.url is not None
    empty_server.register_image("img:1", {"assets": [asset("a")]})
    return empty_server.url


def _stored(url: str) -> tuple[list[Any], list[Any]]:
    entries = gql(url, "{ workspace { workspaceEntries { locationName } } }")
    history = gql(url, '{ locationLoadHistory(locationName: "shop", limit: 10) { loadStatus } }')
    return entries["workspace"]["workspaceEntries"], history["locationLoadHistory"]


@pytest.mark.parametrize(("doc", "field"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_strings_are_refused_and_nothing_is_stored(
    url: str, doc: dict[str, Any], field: str
) -> None:
    result = gql(url, DEPLOY, {"document": doc})["addOrUpdateLocationFromDocument"]
    assert result["__typename"] == "InvalidLocationError"
    named = [e.split(":", 1)[0] for e in result["errors"]]
    assert field in named
    assert set(named) <= {field, "document"}  # a 1 MB value also makes the document too big
    # The answer names the field and stays small and printable.
    assert len(result["message"]) < 1000
    assert result["message"].isprintable()
    assert _stored(url) == ([], [])


@pytest.mark.parametrize(
    "changes",
    [
        {"location_name": "a" * MAX_NAME},
        {"location_name": "Shop_2-eu"},
        {"image": "registry.example.com:5000/team/shop@sha256:" + "a" * 64},
        {"git": {"commit_hash": "abc1234"}},
        {"git": {"commit_hash": "A" * 64}},
        {"container_context": {"k8s": {"command": "line one\n\tline two "}}},
    ],
    ids=["long-name", "mixed-name", "digest-image", "short-commit", "sha256-commit", "free-text"],
)
def test_real_shapes_are_accepted(url: str, changes: dict[str, Any]) -> None:
    doc = {**GOOD, **changes}
    result = gql(url, DEPLOY, {"document": doc})["addOrUpdateLocationFromDocument"]
    assert result["__typename"] == "WorkspaceEntry", result


def test_registering_a_hostile_image_reference_is_refused(empty_server: EmbeddedServer) -> None:
    for ref in ("img\x1b[31m:1", "a" * 600, "img:1 "):
        with pytest.raises(ManifestError, match="image reference"):
            empty_server.register_image(ref, {"assets": []})
