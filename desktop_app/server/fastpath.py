"""A compiled executor for the read queries clients poll with.

graphql-core's general executor spends several microseconds on every field;
a 100-entry history page has about 3,000. Our resolvers return plain dicts,
so a query made of fields, fragments and `__typename` can be compiled once
(per cached document) into a plan of closures and then run as a direct walk
over those dicts. `CompiledQuery.run` returns the `data` graphql-core would
return, or None when the request needs anything else (mutations,
introspection, directives, a null in a non-null field, an error), in which
case the caller runs graphql-core, which also produces the proper errors.
Tests compare both executors on every document the app sends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values, get_variable_values

Completer = Callable[[Any, "_Info"], Any]
Serializer = Callable[[Any], Any]
INT32 = 2**31


class _UnsupportedError(Exception):
    """Leave this request to graphql-core."""


class _Info:
    """What our resolvers read from `info`: the request context."""

    __slots__ = ("context", "variables")

    def __init__(self, context: Any, variables: Any) -> None:
        self.context = context
        self.variables = variables


def _leaf(type_: GraphQLOutputType) -> Serializer:
    """The type's serializer, short-cut for values already of the right type."""
    serialize: Serializer = type_.serialize  # type: ignore[union-attr]
    if not isinstance(type_, GraphQLScalarType):
        return serialize
    if type_.name in ("String", "ID"):
        return lambda v: v if type(v) is str else serialize(v)
    if type_.name == "Boolean":
        return lambda v: v if type(v) is bool else serialize(v)
    if type_.name == "Float":
        return lambda v: v if type(v) is float and math.isfinite(v) else serialize(v)
    if type_.name == "Int":
        return lambda v: v if type(v) is int and -INT32 <= v < INT32 else serialize(v)
    return serialize


class _Plan:
    """The fields to produce for one object type and selection."""

    __slots__ = ("fields", "type_name")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        # (response key, field name, definition, node, completer); definition
        # is None for __typename.
        self.fields: list[tuple[str, str, GraphQLField | None, FieldNode, Completer | None]] = []


class CompiledQuery:
    """One query document, compiled lazily and reused across requests."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.document = document
        self.operations = {
            d.name.value if d.name else None: d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        }
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._plans: dict[tuple[tuple[int, ...], str], _Plan] = {}
        self._unsupported = False

    def run(
        self, operation_name: str | None, raw_variables: dict[str, Any] | None, context: Any
    ) -> dict[str, Any] | None:
        operation = self._operation(operation_name)
        if operation is None or self._unsupported or self.schema.query_type is None:
            return None
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(coerced, list):
            return None  # variable errors: graphql-core reports them
        info = _Info(context, coerced)
        try:
            plan = self._plan(self.schema.query_type, (operation.selection_set,))
            return self._object(plan, None, info)
        except _UnsupportedError:
            return None
        except Exception:  # graphql-core runs it again and reports the error
            return None

    def _operation(self, name: str | None) -> OperationDefinitionNode | None:
        if name is None:
            if len(self.operations) != 1:
                return None
            operation = next(iter(self.operations.values()))
        else:
            found = self.operations.get(name)
            if found is None:
                return None
            operation = found
        if operation.operation is not OperationType.QUERY:
            return None
        return operation

    # -- compiling -------------------------------------------------------------------------

    def _applies(self, type_: GraphQLObjectType, condition: str | None) -> bool:
        if condition is None or condition == type_.name:
            return True
        named = self.schema.get_type(condition)
        if named is not None and is_abstract_type(named):
            return self.schema.is_sub_type(named, type_)  # type: ignore[arg-type]
        return False

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        fields: dict[str, list[FieldNode]],
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise _UnsupportedError
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                if self._applies(type_, condition):
                    self._collect(type_, selection.selection_set, fields)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if self._applies(type_, fragment.type_condition.name.value):
                    self._collect(type_, fragment.selection_set, fields)
            else:
                raise _UnsupportedError

    def _plan(
        self, type_: GraphQLObjectType, selection_sets: tuple[SelectionSetNode, ...]
    ) -> _Plan:
        key = (tuple(id(s) for s in selection_sets), type_.name)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(type_, selection_set, fields)
        plan = _Plan(type_.name)
        for response_key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                plan.fields.append((response_key, name, None, nodes[0], None))
                continue
            if name.startswith("__") or name not in type_.fields:
                raise _UnsupportedError
            field = type_.fields[name]
            plan.fields.append(
                (response_key, name, field, nodes[0], self._completer(field.type, nodes))
            )
        self._plans[key] = plan
        return plan

    def _completer(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> Completer:
        """A function completing one value of `type_` (for one request's info)."""
        if isinstance(type_, GraphQLNonNull):
            inner_type = type_.of_type
            if isinstance(inner_type, GraphQLList) and isinstance(
                inner_type.of_type, GraphQLNonNull
            ):
                leaf = inner_type.of_type.of_type
                if is_leaf_type(leaf):
                    return _leaf_list(_leaf(leaf))  # [String!]!, the shape of key paths
            inner = self._completer(inner_type, nodes)

            def non_null(value: Any, info: _Info) -> Any:
                if value is None:
                    raise _UnsupportedError
                return inner(value, info)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completer(type_.of_type, nodes)
            return lambda value, info: None if value is None else [item(v, info) for v in value]
        if is_leaf_type(type_):
            serialize = _leaf(type_)
            return lambda value, _info: None if value is None else serialize(value)
        subsets = tuple(n.selection_set for n in nodes if n.selection_set)
        if is_abstract_type(type_):

            def abstract(value: Any, info: _Info) -> Any:
                if value is None:
                    return None
                name = value.get("__typename") if isinstance(value, Mapping) else None
                concrete = self.schema.get_type(name) if name else None
                if not isinstance(concrete, GraphQLObjectType):
                    raise _UnsupportedError
                return self._object(self._plan(concrete, subsets), value, info)

            return abstract
        assert isinstance(type_, GraphQLObjectType)
        plan = self._plan(type_, subsets)
        return lambda value, info: None if value is None else self._object(plan, value, info)

    # -- running ---------------------------------------------------------------------------

    def _object(self, plan: _Plan, source: Any, info: _Info) -> dict[str, Any]:
        result: dict[str, Any] = {}
        is_mapping = isinstance(source, Mapping)
        for key, name, field, node, complete in plan.fields:
            if field is None:
                result[key] = plan.type_name
                continue
            args = get_argument_values(field, node, info.variables) if node.arguments else {}
            if field.resolve is not None:
                value = field.resolve(source, info, **args)
            else:
                value = source.get(name) if is_mapping else None
                if callable(value):
                    value = value(info, **args)
            assert complete is not None
            result[key] = complete(value, info)
        return result


def _leaf_list(serialize: Serializer) -> Completer:
    def complete(value: Any, _info: _Info) -> Any:
        if value is None:
            raise _UnsupportedError
        items = [serialize(v) for v in value]
        if None in items:
            raise _UnsupportedError
        return items

    return complete
