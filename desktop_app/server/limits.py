"""What one GraphQL document may ask of the server.

Checked in two steps, both before graphql-core's own parser and validation
(its lexer and its overlapping-fields rule are slow on hostile documents),
and before any execution, compiled or not; the verdict is cached with the
document.

First the text (`check_source`), with a few regular expressions that run
in C and build no syntax tree: its length, its lexical tokens, braces
nested in braces and aliases written in it. A document refused here costs
about a millisecond, whatever it holds. These counts never exceed what the
syntax tree holds, so a document the tree would accept is never refused.

Then the syntax tree (`check_document`).

The walk counts what an executor would do, fragments expanded: a fragment
that spreads another twice, 22 levels deep, is 4 million selections however
short its text is. Each fragment's counts are computed once and reused, and
counts saturate just above their limit, so the check costs time linear in
the document's text, not in what it expands to.

- depth: fields nested in fields (fragments add no level);
- aliases: aliased fields, expanded;
- fragment spreads: spreads, expanded;
- selections: fields, expanded;
- cost: the answer's size in fields, where a paged field (one with a
  `limit` argument) counts its sub-selection once per row it may return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True)
class Limits:
    """Limits of one document; the names appear in the errors."""

    max_document_chars: int = 50_000
    max_tokens: int = 5_000
    max_number_chars: int = 40  # an Int has 10 digits; Python refuses 4,300
    max_depth: int = 20
    max_aliases: int = 50
    max_fragment_spreads: int = 500
    max_selections: int = 2_000
    max_cost: int = 60_000
    page_size: int = 1_000  # the most rows one paged field returns


DEFAULT_LIMITS = Limits()
_NAMES = (
    ("depth", "max_depth", "fields nested"),
    ("aliases", "max_aliases", "aliased fields"),
    ("spreads", "max_fragment_spreads", "fragment spreads (expanded)"),
    ("selections", "max_selections", "field selections (expanded)"),
    ("cost", "max_cost", "estimated answer size in fields"),
)


@dataclass
class _Counts:
    depth: int = 0
    aliases: int = 0
    spreads: int = 0
    selections: int = 0
    cost: int = 0


def limit_error(name: str, found: int | str, limit: int, what: str) -> GraphQLError:
    """A GraphQL error naming the limit; `extensions` carries it for tools."""
    return GraphQLError(
        f"Query refused: {what}: {found}, over the limit {name}={limit}.",
        extensions={"code": "QUERY_LIMIT", "limit": name, "max": limit},
    )


def check_source(query: str, limits: Limits = DEFAULT_LIMITS) -> GraphQLError | None:
    """The error for a document text that breaks a limit on its face, or
    None when only its syntax tree can tell (see the module docstring)."""
    if len(query) > limits.max_document_chars:
        return limit_error(
            "max_document_chars", len(query), limits.max_document_chars, "document length"
        )
    # Strings and comments may hold any character: each becomes one `"`,
    # a token of its own (graphql-core's `max_tokens` counts both).
    text = _STRING_OR_COMMENT.sub('"', query)
    tokens = len(_TOKEN.findall(text))
    if tokens > limits.max_tokens:
        return limit_error("max_tokens", tokens, limits.max_tokens, "lexical tokens")
    longest = max(map(len, _NUMBER.findall(text)), default=0)
    if longest > limits.max_number_chars:
        return limit_error(
            "max_number_chars", longest, limits.max_number_chars, "characters in a number"
        )
    # Arguments and variable definitions hold the only other braces (input
    # objects) and colons; they do not nest in valid GraphQL, except for a
    # directive's arguments within a variable definition. What is left has
    # a colon after each alias only.
    for _ in range(2):
        text = _ARGUMENTS.sub(" ", text)
    if "(" in text or ")" in text:
        return None  # not valid GraphQL: the parser says why
    depth = _field_depth(text)
    if depth > limits.max_depth:
        return limit_error("max_depth", depth, limits.max_depth, "fields nested")
    aliases = text.count(":")
    if aliases > limits.max_aliases:
        return limit_error("max_aliases", aliases, limits.max_aliases, "aliased fields")
    return None


_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_STRING_OR_COMMENT = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:[^"\\\n\r]|\\.)*"|#[^\n\r]*')
_TOKEN = re.compile(_NAME + r'|-?[0-9][_0-9A-Za-z.+-]*|\.\.\.|[!$&()@:=\[\]{}|"]')
_NUMBER = re.compile(r"(?<![_0-9A-Za-z])-?[0-9][_0-9A-Za-z.+-]*")
_ARGUMENTS = re.compile(r"\([^()]*\)")
_BRACES = re.compile(r"[{}]")
# A brace opening a selection set; an inline fragment's adds no field level.
_BRACE = re.compile(r"(\.\.\.\s*(?:on\s+" + _NAME + r"\s*)?(?:@" + _NAME + r"\s*)*)?\{|\}")
_INLINE_FRAGMENT = re.compile(r"\.\.\.\s*(?:on\s|@|\{)")
_STEP = {"{": 1, "}": -1}


def _field_depth(text: str) -> int:
    """The most fields nested in fields, as the braces of `text` tell."""
    if _INLINE_FRAGMENT.search(text) is None:
        # Every brace opens a field level: a running sum, in C.
        steps = map(_STEP.__getitem__, _BRACES.findall(text))
        return max(accumulate(steps), default=0)
    levels: list[bool] = []  # per open brace: does it add a field level?
    depth = deepest = 0
    for match in _BRACE.finditer(text):
        if match.group(0) == "}":
            if levels and levels.pop():
                depth -= 1
            continue
        counts = match.group(1) is None
        levels.append(counts)
        if counts:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def check_document(document: DocumentNode, limits: Limits = DEFAULT_LIMITS) -> list[GraphQLError]:
    """One error per limit the document's worst operation exceeds."""
    walker = _Walker(document, limits)
    try:
        totals = [
            walker.selection_set(d.selection_set, 0)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        ]
    except RecursionError:
        return [limit_error("max_depth", "too deep to count", limits.max_depth, "nesting")]
    errors = []
    for attr, name, what in _NAMES:
        limit = getattr(limits, name)
        worst = max((getattr(t, attr) for t in totals), default=0)
        if worst > limit:
            shown: int | str = worst if worst < walker.cap else f"more than {walker.cap:,}"
            errors.append(limit_error(name, shown, limit, what))
    return errors


class _Walker:
    def __init__(self, document: DocumentNode, limits: Limits) -> None:
        self.limits = limits
        # Counts stop growing past this, so doubling fragments cannot build
        # huge integers (every limit is far below it).
        self.cap = 10 * max(
            limits.max_depth,
            limits.max_aliases,
            limits.max_fragment_spreads,
            limits.max_selections,
            limits.max_cost,
        )
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.done: dict[str, _Counts] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None, level: int) -> _Counts:
        counts = _Counts()
        if node is None:
            return counts
        if level > self.limits.max_depth:
            # Deep enough to refuse: no need to look further.
            counts.depth = self.limits.max_depth + 1
            return counts
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set, level + 1)
                rows = self._rows(selection)
                self._add(counts, inner, depth=inner.depth + 1, rows=rows)
                counts.selections = self._sat(counts.selections + 1)
                counts.cost = self._sat(counts.cost + 1)
                if selection.alias is not None:
                    counts.aliases = self._sat(counts.aliases + 1)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set, level)
                self._add(counts, inner, depth=inner.depth)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self._fragment(selection.name.value)
                self._add(counts, inner, depth=inner.depth)
                counts.spreads = self._sat(counts.spreads + 1)
        return counts

    def _fragment(self, name: str) -> _Counts:
        """A fragment's counts, relative to where it is spread. Unknown and
        cyclic spreads count nothing here; validation reports them."""
        known = self.done.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return _Counts()
        self.visiting.add(name)
        counts = self.selection_set(definition.selection_set, 0)
        self.visiting.discard(name)
        self.done[name] = counts
        return counts

    def _rows(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value == "limit":
                value: Any = argument.value
                if isinstance(value, IntValueNode) and len(value.value) < 10:
                    return max(1, min(int(value.value), self.limits.page_size))
                return self.limits.page_size  # a variable: the largest page
        return 1

    def _add(self, counts: _Counts, inner: _Counts, *, depth: int, rows: int = 1) -> None:
        counts.depth = max(counts.depth, depth)
        counts.aliases = self._sat(counts.aliases + inner.aliases)
        counts.spreads = self._sat(counts.spreads + inner.spreads)
        counts.selections = self._sat(counts.selections + inner.selections)
        counts.cost = self._sat(counts.cost + rows * inner.cost)

    def _sat(self, value: int) -> int:
        return min(value, self.cap)
