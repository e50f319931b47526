"""Command line entry point: `desktop-app [GUI options] | history | deploy | server | bench`.

Each subcommand's module is imported only when it runs, so `desktop-app
server serve` never loads Qt and the GUI never loads the server unless it
needs the embedded default.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

SUBCOMMANDS = ("history", "diff", "deploy", "server", "bench")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in SUBCOMMANDS else None
    if command == "server":
        from desktop_app.server.cli import main as server_main

        return int(server_main(args[1:]))
    if command in ("history", "diff", "deploy"):
        from desktop_app.headless import main as headless_main

        return int(headless_main(args))
    if command == "bench":
        from desktop_app.bench import main as bench_main

        return int(bench_main(args[1:]))
    from desktop_app.app import main as gui_main

    return int(gui_main(args))


if __name__ == "__main__":
    sys.exit(main())
