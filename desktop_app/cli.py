"""The command line: `desktop-app [GUI options] | COMMAND ...`.

Without a command, `desktop-app` opens the window (on the embedded demo
deployment unless told otherwise). Each command in `COMMANDS` belongs to a
module with its own parser and `main(argv)`; this parser only lists the
commands and hands a command's arguments on, so `desktop-app COMMAND --help`
is that module's help. The module is imported only when its command runs:
`--help`, `--version` and `server serve` never load Qt, and no Qt object
exists before the arguments are parsed. Adding a command is one entry in
`COMMANDS`.

This module must stay free of Qt and of the heavy layers: it is what runs
on a machine with no display.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "desktop-app"
TOKEN_ENV = "DAGSTER_CLOUD_API_TOKEN"


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    entry: str
    """`module:function`, called with the arguments after the command name."""
    with_name: bool = False
    """Pass the command name too (for a module whose parser holds several commands)."""

    def run(self, argv: list[str]) -> int:
        module_name, _, function = self.entry.partition(":")
        main = getattr(importlib.import_module(module_name), function)
        return int(main([self.name, *argv] if self.with_name else argv))


COMMANDS: tuple[Command, ...] = (
    Command(
        "history",
        "sync once and print a code location's load history (no display needed)",
        "desktop_app.headless:main",
        with_name=True,
    ),
    Command(
        "diff",
        "print the asset changes between two versions of a code location",
        "desktop_app.diff_command:main",
    ),
    Command(
        "deploy",
        "deploy a location document (YAML or JSON)",
        "desktop_app.headless:main",
        with_name=True,
    ),
    Command(
        "server",
        "run the bundled deployment server; add users and images",
        "desktop_app.server.cli:main",
    ),
    Command(
        "bench",
        "measure performance and print the figures as JSON",
        "desktop_app.bench:main",
    ),
)


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


# -- the GUI's options ------------------------------------------------------
def add_gui_options(parser: argparse.ArgumentParser) -> None:
    """The options of the window; `app.create_main_window` parses the same."""
    gui = parser.add_argument_group("window options (without a command)")
    gui.add_argument("--url", help="deployment URL (browser address or .../graphql)")
    gui.add_argument(
        "--token",
        help=f"user token; avoid on shared machines (others see it in the process list): "
        f"prefer ${TOKEN_ENV}, or sign in once and let the app keep it in the keyring",
    )
    gui.add_argument("--organization", help="Dagster+ organization")
    gui.add_argument("--deployment", help="Dagster+ deployment name")
    gui.add_argument("--cache-dir", type=Path, help="where the local history cache lives")
    gui.add_argument(
        "--poll-interval", type=float, default=5.0, help="seconds between polls (default 5)"
    )
    gui.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="render the main window to PNG after the first sync and exit",
    )
    gui.add_argument(
        "--screenshot-history",
        type=Path,
        metavar="PNG",
        help="with --screenshot: also render the history dialog of the first location",
    )
    gui.add_argument(
        "--screenshot-compare",
        type=Path,
        metavar="PNG",
        help="with --screenshot: also render a comparison of two versions of the first location",
    )
    gui.add_argument(
        "--screenshot-timeline",
        type=Path,
        metavar="PNG",
        help="with --screenshot: also render the first location's history timeline",
    )


def check_gui_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.organization and not args.deployment:
        parser.error("--organization needs --deployment")
    if args.poll_interval <= 0:
        parser.error("--poll-interval must be positive")
    for name in ("history", "compare", "timeline"):
        if getattr(args, f"screenshot_{name}") is not None and args.screenshot is None:
            parser.error(f"--screenshot-{name} needs --screenshot")


def parse_gui_args(argv: Sequence[str]) -> argparse.Namespace:
    """The window's options alone (no commands): what `create_main_window` takes."""
    parser = argparse.ArgumentParser(
        prog=DISTRIBUTION,
        description="Code location history and rollbacks for a Dagster deployment.",
    )
    add_gui_options(parser)
    args = parser.parse_args(list(argv))
    check_gui_options(parser, args)
    return args


# -- the whole command line ---------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=DISTRIBUTION,
        description=(
            "Code location history and rollbacks for Dagster deployments. "
            "Without a command, opens the window: on the embedded demo deployment, "
            "or on the one given by --url or --organization/--deployment."
        ),
        usage="%(prog)s [-h] [--version] [window options] [COMMAND [ARGS ...]]",
        epilog=f"`{DISTRIBUTION} COMMAND --help` describes a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version()}", help="print the version"
    )
    commands = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", required=False
    )
    for command in COMMANDS:
        # The command's own module parses the rest; nothing after the name
        # is an option here (no prefix character can occur in an argument).
        sub = commands.add_parser(
            command.name, help=command.help, add_help=False, prefix_chars="\0"
        )
        sub.add_argument("args", nargs=argparse.REMAINDER)
    add_gui_options(parser)
    probe = argparse.ArgumentParser(add_help=False)
    add_gui_options(probe)
    parser.set_defaults(window_options=list(vars(probe.parse_args([]))))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is not None:
        given = [d for d in args.window_options if getattr(args, d) != parser.get_default(d)]
        if given:
            flags = " ".join("--" + d.replace("_", "-") for d in given)
            parser.error(f"{flags} before {args.command}: put a command's options after it")
        command = next(c for c in COMMANDS if c.name == args.command)
        return command.run(list(args.args))
    check_gui_options(parser, args)
    # Qt is imported, and its objects made, only now that the arguments are good.
    from desktop_app.app import main as gui_main

    return int(gui_main(args_list))


if __name__ == "__main__":
    sys.exit(main())
