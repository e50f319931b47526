"""The README's performance table, from the JSON that `make bench` prints.

    python -m desktop_app.bench.report RUN.json [RUN.json ...]

Runs are grouped by their data set's scale (one column each). A figure
measured in several runs shows as the median with the range beside it, so
the table carries the spread of the machine it was measured on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.bench import check, targets_for

Run = dict[str, Any]
TIMES = "\u00d7"


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    unit: str
    digits: int = 0
    extra: Callable[[Sequence[Run]], str] | None = None
    """More about the figure, from the same runs (requests, counts)."""


def _same(key: str, template: str) -> Callable[[Sequence[Run]], str]:
    def text(runs: Sequence[Run]) -> str:
        values = sorted({run[key] for run in runs if run.get(key) is not None})
        return template.format("/".join(f"{v:,}" for v in values)) if values else ""

    return text


def _over_16(runs: Sequence[Run]) -> str:
    over = [run.get("gui_stalls_over_16ms") for run in runs]
    beats = [run.get("gui_stall_heartbeats") for run in runs]
    if None in over or None in beats:
        return ""
    counted = _span([float(v) for v in over if v is not None], 0)
    return f"{counted} of ~{min(b for b in beats if b):,} heartbeats \u2265 16 ms"


ROWS = (
    Row("first full sync", "gui_first_sync_s", "s", 1, _same("sync_requests", "{} requests")),
    Row("… deployment table lists every location after", "gui_table_usable_s", "s", 2),
    Row("longest GUI-thread stall during the first sync", "gui_stall_ms_max", "ms", 0, _over_16),
    Row("… 99th percentile of 5 ms heartbeats", "gui_stall_ms_p99", "ms"),
    Row("… GUI-process CPU during the first sync", "gui_process_cpu_s_during_sync", "s", 2),
    Row("history dialog, largest location, first paint", "history_dialog_paint_ms_first", "ms"),
    Row(
        "… as a multiple of the bare SQL for the same rows", "history_dialog_vs_sql_floor", TIMES, 1
    ),
    Row("… later opens (fastest of three)", "history_dialog_paint_ms", "ms"),
    Row("collapse toggle", "collapse_toggle_ms", "ms"),
    Row(
        "diff, first to last load",
        "diff_first_last_ms",
        "ms",
        0,
        _same("diff_first_last_changes", "{} assets changed"),
    ),
    Row("cache file", "cache_file_mb", "MB", 1),
    Row(
        "idle poll",
        "steady_poll_bytes",
        "B",
        0,
        _same("steady_poll_requests", "{} request(s)"),
    ),
    Row("… client CPU", "steady_poll_client_cpu_ms", "ms", 1),
    Row("server: 100-entry history page, median", "history_page_100_ms_median", "ms"),
    Row("server: 50 clients polling, p99", "poll_ms_p99", "ms"),
    Row("status query, bundled server", "status_query_ms_bundled_server", "ms", 1),
    Row("… the same on dagster-webserver", "status_query_ms_dagster_webserver", "ms", 1),
    Row(
        "history derivation per poll, as a multiple of the webserver UI's own poll",
        "derivation_poll_ratio_to_webserver_ui_poll",
        TIMES,
        1,
    ),
    Row("peak RSS, GUI process", "peak_rss_mb", "MB"),
    Row("peak RSS, its largest child (sync)", "peak_rss_children_mb", "MB"),
)


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _span(values: Sequence[float], digits: int) -> str:
    """The median, and the range when the runs differ."""
    middle = _number(statistics.median(values), digits)
    low, high = _number(min(values), digits), _number(max(values), digits)
    return middle if low == high else f"{middle} ({low}\u2013{high})"


def _unit(row: Row) -> str:
    return row.unit if row.unit == TIMES else f" {row.unit}"


def cell(row: Row, runs: Sequence[Run]) -> str:
    values = [float(v) for run in runs if isinstance(v := run.get(row.key), (int, float))]
    if not values:
        return "—"
    unit = _unit(row)
    text = f"{_span(values, row.digits)}{unit}"
    extra = row.extra(runs) if row.extra else ""
    return f"{text}; {extra}" if extra else text


def _target(row: Row, scales: Sequence[int]) -> str:
    """The figure's target; per scale when the scales' targets differ."""
    by_scale = {}
    for scale in scales:
        for key, op, limit in targets_for(scale).values():
            if key == row.key:
                by_scale[scale] = f"{op} {limit:g}{_unit(row)}"
    if len(set(by_scale.values())) <= 1:
        return next(iter(by_scale.values()), "")
    return "; ".join(f"{text} at {scale}x" for scale, text in by_scale.items())


def _stolen(runs: Sequence[Run]) -> str:
    values = [
        float(v)
        for run in runs
        if isinstance(v := run.get("machine", {}).get("stolen_cpu_percent"), (int, float))
    ]
    return f"{_span(values, 1)} %" if values else "\u2014"


def _met(runs: Sequence[Run], scale: int) -> str:
    """How many runs meet every target (as `--check` counts them now)."""
    met = sum(1 for run in runs if all(v["met"] for v in check(run, scale).values()))
    return f"{met} of {len(runs)}"


def table(runs: Sequence[Run]) -> str:
    by_scale: dict[int, list[Run]] = {}
    for run in runs:
        by_scale.setdefault(int(run.get("data_set", {}).get("scale", 1)), []).append(run)
    scales = sorted(by_scale)
    heads = []
    for scale in scales:
        largest = by_scale[scale][0].get("data_set", {}).get("largest", {})
        assets = largest.get("assets")
        count = len(by_scale[scale])
        runs_text = f"{count} run{'s' if count != 1 else ''}"
        heads.append(f"{scale}x ({assets:,} assets, {runs_text})" if assets else f"{scale}x")
    lines = [
        "| figure | " + " | ".join(heads) + " | target |",
        "|---|" + "---|" * len(scales) + "---|",
    ]
    for row in ROWS:
        cells = [cell(row, by_scale[scale]) for scale in scales]
        if all(c == "—" for c in cells):
            continue
        lines.append(f"| {row.label} | " + " | ".join(cells) + f" | {_target(row, scales)} |")
    lines.append(
        "| CPU stolen by the host during the runs | "
        + " | ".join(_stolen(by_scale[scale]) for scale in scales)
        + " | |"
    )
    lines.append(
        "| runs meeting every target (`--check`) | "
        + " | ".join(_met(by_scale[scale], scale) for scale in scales)
        + " | |"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.bench.report")
    parser.add_argument("runs", nargs="+", type=Path, help="JSON written by make bench --out")
    args = parser.parse_args(argv)
    runs = []
    for path in args.runs:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
