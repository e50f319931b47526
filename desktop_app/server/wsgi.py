"""The WSGI application: `POST /graphql` and `POST /{deployment}/graphql`
with a JSON body, token required (routing in `routing.py`).

GraphQL over HTTP: a request that cannot be executed (malformed JSON, a
syntax error, a document that does not validate, wrong variables) answers
400 with a JSON `errors` list; an executed one answers 200. Missing or
unknown `Dagster-Cloud-Api-Token` answers 401, a user without a role in the
deployment 403, an unknown deployment 404, a body over 1 MB 413.
User errors never carry a stack trace.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    execute,
    parse,
    validate,
)

from desktop_app.server.accounts import authenticate
from desktop_app.server.fastpath import CompiledQuery
from desktop_app.server.resolvers import RequestContext
from desktop_app.server.root_fields import MUTATION_RESOLVERS, QUERY_RESOLVERS
from desktop_app.server.routing import (
    DeploymentDirectory,
    NotFoundError,
    UnknownDeploymentError,
    route,
)
from desktop_app.server.schema import build_server_schema
from desktop_app.server.storage import Storage

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
TOKEN_HEADER = "HTTP_DAGSTER_CLOUD_API_TOKEN"
StartResponse = Callable[..., Any]


class _DocumentCache:
    """Parsed, validated and compiled documents by query text: clients poll
    with the same few documents, so each is parsed and validated once."""

    def __init__(self, schema: GraphQLSchema, size: int = 256) -> None:
        self._schema = schema
        self._size = size
        self._items: OrderedDict[str, CompiledQuery] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> CompiledQuery:
        """The compiled document; raises `GraphQLError` for a syntax error
        and `_InvalidDocumentError` when it does not validate."""
        with self._lock:
            compiled = self._items.get(query)
            if compiled is not None:
                self._items.move_to_end(query)
                return compiled
        document = parse(query)
        errors = validate(self._schema, document)
        if errors:
            raise _InvalidDocumentError(errors)
        compiled = CompiledQuery(self._schema, document)
        with self._lock:
            self._items[query] = compiled
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return compiled


class _InvalidDocumentError(Exception):
    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__("invalid document")
        self.errors = errors


def _json(start_response: StartResponse, status: str, body: Any) -> Iterable[bytes]:
    data = json.dumps(body, separators=(",", ":")).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _errors(start_response: StartResponse, status: str, message: str) -> Iterable[bytes]:
    return _json(start_response, status, {"errors": [{"message": message}]})


class GraphQLApp:
    """WSGI callable serving the bundled deployment API."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._deployments = DeploymentDirectory(storage)
        self.schema = build_server_schema(QUERY_RESOLVERS, MUTATION_RESOLVERS)
        self._documents = _DocumentCache(self.schema)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            target = route(environ)
        except NotFoundError as exc:
            return _errors(start_response, "404 Not Found", str(exc))
        if environ.get("REQUEST_METHOD") != "POST":
            data = b'{"errors":[{"message":"use POST with a JSON body"}]}'
            start_response(
                "405 Method Not Allowed",
                [
                    ("Content-Type", "application/json"),
                    ("Allow", "POST"),
                    ("Content-Length", str(len(data))),
                ],
            )
            return [data]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _errors(start_response, "400 Bad Request", "invalid Content-Length")
        if length > MAX_BODY:
            return _errors(start_response, "413 Content Too Large", "request body over 1 MB")
        token = environ.get(TOKEN_HEADER, "").strip()
        if not token:
            return _errors(
                start_response, "401 Unauthorized", "missing Dagster-Cloud-Api-Token header"
            )
        try:
            deployment = self._deployments.resolve(target.deployment)
        except UnknownDeploymentError as exc:
            # Which deployments exist is for holders of a valid token only.
            if authenticate(self.storage, token) is None:
                return _errors(
                    start_response, "401 Unauthorized", "unknown Dagster-Cloud-Api-Token"
                )
            return _errors(start_response, "404 Not Found", str(exc))
        user = authenticate(self.storage, token, deployment)
        if user is None:
            return _errors(start_response, "401 Unauthorized", "unknown Dagster-Cloud-Api-Token")
        if user.role is None:
            return _errors(
                start_response,
                "403 Forbidden",
                f"{user.email} has no role in deployment {deployment.name!r}",
            )
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            request = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _errors(start_response, "400 Bad Request", f"malformed JSON body: {exc}")
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return _errors(
                start_response, "400 Bad Request", "the body needs a string field 'query'"
            )
        variables = request.get("variables")
        operation = request.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return _errors(start_response, "400 Bad Request", "'variables' must be an object")
        if operation is not None and not isinstance(operation, str):
            return _errors(start_response, "400 Bad Request", "'operationName' must be a string")
        try:
            compiled = self._documents.get(request["query"])
        except GraphQLError as exc:
            return _json(start_response, "400 Bad Request", {"errors": [exc.formatted]})
        except _InvalidDocumentError as exc:
            return _json(
                start_response, "400 Bad Request", {"errors": [e.formatted for e in exc.errors]}
            )
        context = RequestContext(self.storage, user, deployment)
        fast = compiled.run(operation, variables, context)
        if fast is not None:
            return _json(start_response, "200 OK", {"data": fast})
        result = execute(
            self.schema,
            compiled.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation,
        )
        assert isinstance(result, ExecutionResult)
        errors = [_public(error) for error in result.errors or ()]
        if result.data is None and errors and not any(e.get("path") for e in errors):
            # Nothing was executed (e.g. variables of the wrong type): a bad request.
            return _json(start_response, "400 Bad Request", {"errors": errors})
        response: dict[str, Any] = {"data": result.data}
        if errors:
            response["errors"] = errors
        return _json(start_response, "200 OK", response)


def _public(error: GraphQLError) -> dict[str, Any]:
    """The error as the client sees it. A failure of our own (not a GraphQL
    or input error) is logged with its traceback and reported in one
    neutral sentence, so no internals (SQL, paths) reach the client."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError | ValueError):
        log.error("resolver failed: %s", error.path, exc_info=original)
        formatted["message"] = "Internal server error; the server log has the details."
    return formatted
