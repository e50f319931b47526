"""Application entry point. Until the desktop UI lands, `desktop-app` (and
`make run`) serves the bundled deployment server with the demo data set on
127.0.0.1 in the foreground and prints its URL and the demo tokens."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from desktop_app.server.cli import main as server_main

    return server_main(["serve", "--demo", "--host", "127.0.0.1", "--port", "0", *(argv or [])])
