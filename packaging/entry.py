"""The PyInstaller bundle's entry point: the same command line as the
`desktop-app` script that pip installs."""

import multiprocessing
import os
import sys

from desktop_app.cli import main


def _utf8_locale() -> None:
    """What `python` itself does for the pip-installed script (PEP 538): a
    bare C locale (e.g. under `env -i`) becomes C.UTF-8, so Qt does not warn
    and file names round-trip."""
    current = next(
        (os.environ[v] for v in ("LC_ALL", "LC_CTYPE", "LANG") if os.environ.get(v)), "C"
    )
    if current in ("C", "POSIX"):
        os.environ["LC_CTYPE"] = "C.UTF-8"


if __name__ == "__main__":
    _utf8_locale()
    # A frozen program has no `python -c`: a child process started with the
    # spawn method re-runs this executable, which must hand over at once.
    multiprocessing.freeze_support()
    sys.exit(main())
