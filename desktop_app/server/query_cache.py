"""Parsed, checked, validated and compiled documents by query text.

Clients poll with the same few documents, so each is checked against the
limits (`limits.py`: its text, then its syntax tree), parsed, validated and
compiled once. The cache is
bounded by entries and by an estimate of the memory its documents hold (a
parsed document takes a few hundred bytes per character of its text), so
distinct large documents cannot grow it without end. Refused documents are
never stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from graphql import GraphQLError, GraphQLSchema, parse, validate

from desktop_app.server.fastpath import CompiledQuery
from desktop_app.server.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_document,
    check_source,
    limit_error,
)

BYTES_PER_CHAR = 300
ENTRY_OVERHEAD = 16 * 1024
# graphql-core's message when `max_tokens` stops the parser.
TOKEN_LIMIT_MESSAGE = "Syntax Error: Document contains more than"


class InvalidDocumentError(Exception):
    """The document does not parse, breaks a limit or does not validate."""

    def __init__(self, errors: list[GraphQLError], *, limit: bool = False) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
        self.limit = limit  # refused by a limit, not by the schema


def estimated_bytes(query: str) -> int:
    return ENTRY_OVERHEAD + BYTES_PER_CHAR * len(query)


class DocumentCache:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        entries: int = 256,
        max_bytes: int = 32 * 1024 * 1024,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._schema = schema
        self._entries = entries
        self._max_bytes = max_bytes
        self._limits = limits
        self._items: OrderedDict[str, CompiledQuery] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        """(entries, estimated bytes) held now."""
        with self._lock:
            return len(self._items), self._bytes

    def get(self, query: str) -> CompiledQuery:
        """The compiled document; raises `InvalidDocumentError`."""
        with self._lock:
            compiled = self._items.get(query)
            if compiled is not None:
                self._items.move_to_end(query)
                return compiled
        compiled = self._compile(query)
        weight = estimated_bytes(query)
        if weight > self._max_bytes:
            return compiled
        with self._lock:
            if query not in self._items:
                self._items[query] = compiled
                self._bytes += weight
            while len(self._items) > self._entries or self._bytes > self._max_bytes:
                old, _ = self._items.popitem(last=False)
                self._bytes -= estimated_bytes(old)
        return compiled

    def _compile(self, query: str) -> CompiledQuery:
        # The text first: a hostile document is refused before graphql-core's
        # lexer, the costliest step of a refusal, ever sees it.
        on_its_face = check_source(query, self._limits)
        if on_its_face is not None:
            raise InvalidDocumentError([on_its_face], limit=True)
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLError as exc:
            if exc.message.startswith(TOKEN_LIMIT_MESSAGE):
                tokens = limit_error(
                    "max_tokens", "more", self._limits.max_tokens, "lexical tokens"
                )
                raise InvalidDocumentError([tokens], limit=True) from None
            raise InvalidDocumentError([exc]) from None
        except RecursionError:
            nested = limit_error(
                "max_depth", "too deep to parse", self._limits.max_depth, "nesting"
            )
            raise InvalidDocumentError([nested], limit=True) from None
        refused = check_document(document, self._limits)
        if refused:
            raise InvalidDocumentError(refused, limit=True)
        errors = validate(self._schema, document)
        if errors:
            raise InvalidDocumentError(errors)
        return CompiledQuery(self._schema, document)
