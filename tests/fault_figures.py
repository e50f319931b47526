"""A pytest plugin (loaded by the top conftest) that prints the fault
suite's figures: per area, how many cases were tried, passed and failed,
and the worst latency (what a case recorded as `latency`, else how long
it ran).

An area is a test module of `tests/faults`, or any module whose tests
carry the `faults` marker (the server's abuse, slowloris and name cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

FAULTS_DIR = Path(__file__).parent / "faults"


@dataclass
class Figures:
    tried: int = 0
    passed: int = 0
    failed: int = 0
    worst: float = 0.0


_figures: dict[str, Figures] = {}
_in_suite: set[str] = set()


def _area(item: pytest.Item) -> str:
    path = Path(str(item.path))
    name = path.stem.removeprefix("test_")
    parent = path.parent.name
    return name if parent == "faults" else f"{parent}/{name}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).parent == FAULTS_DIR or item.get_closest_marker("faults"):
            _in_suite.add(item.nodeid)
            item.user_properties.append(("area", _area(item)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _in_suite:
        return
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    props = dict(report.user_properties)
    area = str(props.get("area", "other"))
    figures = _figures.setdefault(area, Figures())
    if report.skipped:
        return
    figures.tried += 1
    if report.passed:
        figures.passed += 1
    else:
        figures.failed += 1
    latency = props.get("latency", report.duration)
    figures.worst = max(figures.worst, float(latency))  # type: ignore[arg-type]


def figures_table() -> str:
    rows = [("area", "tried", "passed", "failed", "worst latency")]
    total = Figures()
    for area in sorted(_figures):
        f = _figures[area]
        if not f.tried:
            continue
        rows.append((area, str(f.tried), str(f.passed), str(f.failed), f"{f.worst:.2f} s"))
        total.tried += f.tried
        total.passed += f.passed
        total.failed += f.failed
        total.worst = max(total.worst, f.worst)
    rows.append(
        ("total", str(total.tried), str(total.passed), str(total.failed), f"{total.worst:.2f} s")
    )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for n, row in enumerate(rows):
        numbers = (c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
        cells = [row[0].ljust(widths[0]), *numbers]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not any(f.tried for f in _figures.values()):
        return
    terminalreporter.section("fault suite figures")
    terminalreporter.write_line(figures_table())
