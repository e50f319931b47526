"""The compiled executor answers exactly what graphql-core answers, and
leaves everything else to graphql-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import execute, get_introspection_query, parse

from desktop_app.server.accounts import user_for_token
from desktop_app.server.demo import load_demo
from desktop_app.server.fastpath import CompiledQuery
from desktop_app.server.resolvers import RequestContext
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.storage import Storage
from desktop_app.server.wsgi import GraphQLApp
from tests import databases
from tests.server.helpers import HISTORY, gql, token_of

DOCUMENTS = sorted((Path(__file__).parent / "documents").glob("plus_*.graphql"))
KEY = {"path": ["features", "accounts"]}

EXTRA = {
    "aliases-and-named-fragments": (
        """fragment Entry on CodeLocationLoadHistoryEntry { ts: codeLocationDataUploadTimestamp
             loadStatus error { ...Err } }
           fragment Err on PythonError { message className }
           query H($n: String!) {
             a: locationLoadHistory(locationName: $n, limit: 3) { ...Entry }
             b: locationLoadHistory(locationName: "ingest_raw", limit: 40) { ...Entry __typename }
           }""",
        {"n": "ml_features"},
    ),
    "unions-and-interfaces": (
        """{ workspaceOrError { __typename ... on Workspace { locationEntries { name
             locationOrLoadError { __typename ... on Error { message }
               ... on PythonError { className stack }
               ... on RepositoryLocation { repositories { name assetNodes {
                 assetKey { path } tags { key value }
                 partitionDefinition { type dimensionTypes { name } }
                 metadataEntries { __typename label ... on IntMetadataEntry { intValue intRepr }
                   ... on JsonMetadataEntry { jsonString }
                   ... on FloatMetadataEntry { floatRepr } } } } }
             } } } } }""",
        {},
    ),
    "one-location": (
        """query($n: String!) { workspaceLocationEntryOrError(name: $n) { __typename
             ... on WorkspaceLocationEntry { name versionKey
                                             permissions { permission value } } } }""",
        {"n": "analytics_core"},
    ),
    "unknown-location": (
        '{ workspaceLocationEntryOrError(name: "nope") { __typename } }',
        {},
    ),
    "merged-selections": (
        """{ identity { viewer { email } } identity { viewer { userId } currentDeployment {
             deploymentName workspaceEntries { locationName hasLoadError } } } }""",
        {},
    ),
    "history": (HISTORY, {"name": "ingest_raw", "limit": 100, "cursor": None}),
}


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = [(name, doc, variables) for name, (doc, variables) in EXTRA.items()]
    for path in DOCUMENTS:
        variables = {"locationName": "analytics_core", "limit": 50, "assetKey": KEY}
        cases.append((path.stem, path.read_text("utf-8"), variables))
    return cases


@pytest.fixture(scope="module")
def context(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GraphQLApp, RequestContext]]:
    """The demo data set in storage, without an HTTP server."""
    url = databases.fresh(tmp_path_factory.mktemp("fastpath"))
    storage = Storage(url)
    load_demo(storage)
    user = user_for_token(storage, token_of("admin@example.com"))
    assert user is not None
    yield GraphQLApp(storage), RequestContext(storage, user)
    storage.close()
    databases.drop(url)


@pytest.mark.parametrize(("name", "document", "variables"), _cases(), ids=[c[0] for c in _cases()])
def test_same_data_as_graphql_core(
    context: tuple[GraphQLApp, RequestContext], name: str, document: str, variables: dict[str, Any]
) -> None:
    app, ctx = context
    parsed = parse(document)
    variables = {k: v for k, v in variables.items() if f"${k}" in document}
    expected = execute(app.schema, parsed, context_value=ctx, variable_values=variables)
    assert not expected.errors  # type: ignore[union-attr]
    fast = CompiledQuery(app.schema, parsed).run(None, variables, ctx)
    assert fast is not None, name
    assert fast == expected.data  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (get_introspection_query(), {}),
        ('mutation { deleteLocation(locationName: "x") { __typename } }', {}),
        ("{ permissions @include(if: true) { permission } }", {}),
        ('{ locationLoadHistory(locationName: "x", limit: 1, cursor: "soon") { loadStatus } }', {}),
        (
            'query($l: Int!) { locationLoadHistory(locationName: "x", limit: $l) { loadStatus } }',
            {"l": "x"},
        ),
        ("query A { permissions { value } } query B { permissions { value } }", {}),
    ],
    ids=["introspection", "mutation", "directive", "resolver-error", "bad-variable", "ambiguous"],
)
def test_everything_else_is_left_to_graphql_core(
    context: tuple[GraphQLApp, RequestContext], document: str, variables: dict[str, Any]
) -> None:
    app, ctx = context
    assert CompiledQuery(app.schema, parse(document)).run(None, variables, ctx) is None


def test_requests_it_leaves_alone_still_work_over_http(demo_server: EmbeddedServer) -> None:
    url = demo_server.url
    assert url is not None
    data = gql(url, "{ permissions @skip(if: true) { permission } identity { viewer { email } } }")
    assert data == {"identity": {"viewer": {"email": "editor@example.com"}}}
