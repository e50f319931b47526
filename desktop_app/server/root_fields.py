"""Every root field the server answers: the app's Dagster+ subset
(`resolvers.py`) and what the official CLI adds (`cli_fields.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_app.server.cli_fields import CLI_MUTATION_RESOLVERS, CLI_QUERY_RESOLVERS
from desktop_app.server.resolvers import MUTATION_RESOLVERS as APP_MUTATIONS
from desktop_app.server.resolvers import QUERY_RESOLVERS as APP_QUERIES

QUERY_RESOLVERS: dict[str, Callable[..., Any]] = {**APP_QUERIES, **CLI_QUERY_RESOLVERS}
MUTATION_RESOLVERS: dict[str, Callable[..., Any]] = {**APP_MUTATIONS, **CLI_MUTATION_RESOLVERS}
