"""Documents that ask too much are refused before anything runs, with a
GraphQL error naming the limit; what the app itself sends passes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import requests
from graphql import get_introspection_query, parse

from desktop_app.api import documents
from desktop_app.server import query_cache
from desktop_app.server.limits import DEFAULT_LIMITS, Limits, check_document, check_source
from desktop_app.server.query_cache import DocumentCache, InvalidDocumentError, estimated_bytes
from desktop_app.server.root_fields import MUTATION_RESOLVERS, QUERY_RESOLVERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.schema import build_server_schema
from tests.server.abuse import deep, fragment_doubling, huge_int, large_document, many_aliases
from tests.server.helpers import post

APP_DOCUMENTS = {
    name: getattr(documents, name)
    for name in dir(documents)
    if name.isupper() and not name.startswith("_") and "{" in getattr(documents, name)
}


@pytest.fixture
def url(demo_server: EmbeddedServer) -> str:
    assert demo_server.url is not None
    return demo_server.url


def _limits_named(query: str) -> set[str]:
    return {str((e.extensions or {})["limit"]) for e in check_document(parse(query))}


@pytest.mark.parametrize("name", sorted(APP_DOCUMENTS))
def test_what_the_app_sends_is_within_every_limit(name: str) -> None:
    assert check_document(parse(APP_DOCUMENTS[name])) == []


def test_the_introspection_query_is_within_every_limit() -> None:
    assert check_document(parse(get_introspection_query(descriptions=True))) == []


def test_fragment_doubling_breaks_the_spread_and_selection_limits() -> None:
    assert _limits_named(fragment_doubling(22)) >= {"max_fragment_spreads", "max_selections"}
    assert _limits_named(fragment_doubling(3)) == set()


def test_aliases_of_a_paged_field_break_the_alias_and_cost_limits() -> None:
    assert _limits_named(many_aliases(60, limit=1)) == {"max_aliases"}
    rich = "locationName loadStatus configDocument displayMetadata { key value } " * 3
    assert _limits_named(many_aliases(4, limit=1000, selection=rich)) == {"max_cost"}
    assert _limits_named(many_aliases(4, limit=100, selection=rich)) == set()


def test_depth_is_counted_through_fragments() -> None:
    assert _limits_named(deep(DEFAULT_LIMITS.max_depth + 1)) == {"max_depth"}
    inner = "fragment Deep on Workspace { " + "workspace { " * 12 + "__typename" + " }" * 12 + "}"
    outer = "{ " + "workspace { " * 10 + "...Deep" + " }" * 10 + " }"
    assert _limits_named(outer + "\n" + inner) == {"max_depth"}


REFERENCE_DOCUMENTS = sorted((Path(__file__).parent / "documents").glob("*.graphql"))
TRICKY_BUT_FINE = {
    # Braces, colons, parentheses and '#' inside strings, block strings and comments.
    "strings": '{ a(x: """ a \\""" ( { b: c: d: """, y: "q\\"#(: {{{") # c ( } :\n b }',
    # Input objects and directives in arguments and variable definitions.
    "arguments": (
        "query Q($a: In = {x: {y: 1}} @d(k: 2)) { f(o: {a: {b: [{c: 1}]}}) @skip(if: false) }"
    ),
    # Inline fragments add braces but no field level.
    "inline": "{" + "... on Query { " * 30 + "workspace { __typename }" + " }" * 30 + "}",
}


@pytest.mark.parametrize(
    "query",
    [
        *APP_DOCUMENTS.values(),
        *(p.read_text() for p in REFERENCE_DOCUMENTS),
        *TRICKY_BUT_FINE.values(),
    ],
    ids=[*APP_DOCUMENTS, *(p.stem for p in REFERENCE_DOCUMENTS), *TRICKY_BUT_FINE],
)
def test_the_text_check_passes_what_the_syntax_tree_would(query: str) -> None:
    assert check_document(parse(query)) == []
    assert check_source(query) is None


def test_the_text_check_passes_the_introspection_query() -> None:
    assert check_source(get_introspection_query(descriptions=True)) is None


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        (many_aliases(60, limit=1), "max_aliases"),
        (deep(DEFAULT_LIMITS.max_depth + 1), "max_depth"),
        (deep(1000), "max_depth"),
        ("{" + "a " * 6000 + "}", "max_tokens"),
        ("{ a }" + "\n#" * 6000, "max_tokens"),
        (huge_int(5000), "max_number_chars"),
        ("{ a(x: -" + "1" * 41 + ".5e3) }", "max_number_chars"),
        ("{" + "... on Query { workspace { " * 25 + "}}" * 25 + "}", "max_depth"),
    ],
    ids=[
        "aliases",
        "depth",
        "very-deep",
        "tokens",
        "comments",
        "huge-int",
        "long-float",
        "inline-fragments",
    ],
)
def test_the_text_check_refuses_without_parsing(
    query: str, limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = check_source(query)
    assert error is not None
    assert (error.extensions or {})["limit"] == limit

    def no_parse(*_args: object, **_kw: object) -> None:
        raise AssertionError("parsed a document the text check refuses")

    monkeypatch.setattr(query_cache, "parse", no_parse)
    with pytest.raises(InvalidDocumentError) as refused:
        _cache().get(query)
    assert refused.value.limit


def test_cyclic_and_unknown_fragments_are_left_to_validation() -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A ...C }"
    assert check_document(parse(query)) == []


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        (fragment_doubling(22), "max_fragment_spreads"),
        (many_aliases(60, limit=1000), "max_aliases"),
        (many_aliases(5000, limit=1000), "max_document_chars"),
        (deep(40), "max_depth"),
        ("{" + "a " * 6000 + "}", "max_tokens"),
        (large_document(60_000, 1), "max_document_chars"),
        (huge_int(5000), "max_number_chars"),
    ],
    ids=["doubling", "aliases", "5000-aliases", "depth", "tokens", "long-document", "huge-int"],
)
def test_the_server_refuses_with_an_error_naming_the_limit(
    url: str, query: str, limit: str
) -> None:
    response = post(url, {"query": query})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e.get("extensions", {}).get("limit") == limit for e in errors), errors
    assert any(limit in e["message"] for e in errors)


def test_refusals_are_one_log_line_without_traceback(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING")
    post(url, {"query": fragment_doubling(22)})
    post(url, {"query": "{ nope }"})
    requests.get(url, timeout=10)
    refused = [r for r in caplog.records if r.name == "desktop_app.server.refused"]
    assert len(refused) == 3
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in refused)
    assert "max_fragment_spreads" in refused[0].getMessage()


def _cache() -> DocumentCache:
    schema = build_server_schema(QUERY_RESOLVERS, MUTATION_RESOLVERS)
    return DocumentCache(schema, max_bytes=4 * estimated_bytes(large_document(20_000, 0)))


def test_the_document_cache_is_bounded_by_bytes() -> None:
    cache = _cache()
    for seed in range(20):
        cache.get(large_document(20_000, seed))
    entries, held = cache.size
    assert 3 <= entries <= 4  # what fits, the newest kept
    assert held <= 4 * estimated_bytes(large_document(20_000, 0))
    small = "{ permissions { permission } }"
    assert cache.get(small) is cache.get(small)


def test_refused_documents_are_not_cached() -> None:
    cache = _cache()
    for query in (fragment_doubling(22), "{ nope }", "{ permissions {"):
        with pytest.raises(InvalidDocumentError):
            cache.get(query)
    assert cache.size == (0, 0)


def _random_document(rng: random.Random, depth: int = 0) -> str:
    """A valid document of nested fields, aliases, arguments (strings and
    input objects holding braces, colons and '#'), inline fragments and
    comments."""
    parts = []
    for n in range(rng.randrange(1, 3 if depth < 3 else 2)):
        name = rng.choice(("a", "workspace", "b_1"))
        alias = f"x{n}: " if rng.random() < 0.4 else ""
        args = ""
        if rng.random() < 0.4:
            value = rng.choice(('"{ :#( }"', "{k: {j: 1}}", '"""a { b: c"""', "[1, 2]", "-3.5e2"))
            args = f"(arg: {value})"
        comment = "# } { : (\n" if rng.random() < 0.2 else ""
        inner = ""
        if depth < 10 and rng.random() < 0.6:
            selections = _random_document(rng, depth + 1)
            if rng.random() < 0.2:
                selections = "... on T { " + selections + " }"
            inner = " { " + selections + " }"
        parts.append(f"{comment}{alias}{name}{args}{inner}")
    return " ".join(parts)


@pytest.mark.parametrize("seed", range(300))
def test_what_the_text_refuses_the_tree_refuses(seed: int) -> None:
    """Depth and aliases: the text's counts never exceed the tree's."""
    limits = Limits(max_depth=6, max_aliases=4, max_tokens=10**6, max_document_chars=10**7)
    query = "{ " + _random_document(random.Random(seed)) + " }"
    refused = check_source(query, limits)
    if refused is not None:
        named = {str((e.extensions or {})["limit"]) for e in check_document(parse(query), limits)}
        assert (refused.extensions or {})["limit"] in named, (query, refused.message)
