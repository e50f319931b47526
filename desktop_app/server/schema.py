"""The GraphQL schema of the bundled server.

`dagster-plus-subset.graphql` is the Dagster+ subset the app speaks, kept
verbatim (the client's tests validate its documents against the same file);
`extensions.graphql` adds what the server tells beyond it (`picture` and
`isScimProvisioned` on `DagsterCloudUser`).
Resolvers are bound onto the built schema by `build_server_schema`; union
and interface members are picked by the `__typename` of the returned dicts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    ValueNode,
    build_schema,
    value_from_ast_untyped,
)


def _identity(value: Any) -> Any:
    return value


def _parse_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    return value_from_ast_untyped(node, variables)


def resolve_type_by_typename(value: Any, _info: GraphQLResolveInfo, _type: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("__typename")
    else:
        name = getattr(value, "__typename", None)
    return str(name) if name else None


SDL_FILES = ("dagster-plus-subset.graphql", "dagster-plus-cli.graphql", "extensions.graphql")


def schema_sdl() -> str:
    folder = resources.files("desktop_app.server")
    return "\n".join(folder.joinpath(name).read_text("utf-8") for name in SDL_FILES)


Resolver = Callable[..., Any]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _with_snake_case_arguments(resolver: Resolver) -> Resolver:
    """GraphQL arguments are camelCase; our resolvers take snake_case."""

    @functools.wraps(resolver)
    def call(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        return resolver(root, info, **{_snake(k): v for k, v in args.items()})

    return call


def build_server_schema(
    query_resolvers: dict[str, Resolver], mutation_resolvers: dict[str, Resolver]
) -> GraphQLSchema:
    """A fresh schema with the given root resolvers bound to it."""
    schema = build_schema(schema_sdl())
    generic = schema.type_map["GenericScalar"]
    assert isinstance(generic, GraphQLScalarType)
    generic.serialize = _identity  # type: ignore[method-assign]
    generic.parse_value = _identity  # type: ignore[method-assign]
    generic.parse_literal = _parse_literal  # type: ignore[method-assign]
    for type_ in schema.type_map.values():
        if hasattr(type_, "resolve_type") and not type_.name.startswith("__"):
            type_.resolve_type = resolve_type_by_typename
    for root, bound in (
        (schema.query_type, query_resolvers),
        (schema.mutation_type, mutation_resolvers),
    ):
        assert isinstance(root, GraphQLObjectType)
        missing = set(root.fields) - set(bound)
        if missing:
            raise RuntimeError(f"no resolver for {root.name}: {', '.join(sorted(missing))}")
        for name, resolver in bound.items():
            field: GraphQLField = root.fields[name]
            field.resolve = _with_snake_case_arguments(resolver)
    return schema
