"""The README's performance table, made from `make bench` JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.bench import check
from desktop_app.bench.report import main, table


def _run(scale: int, **figures: Any) -> dict[str, Any]:
    run = {"data_set": {"scale": scale, "largest": {"assets": 5000 * scale}}, **figures}
    run["targets"] = check(run, scale)
    return run


def test_several_runs_show_the_median_and_the_range() -> None:
    runs = [
        _run(1, gui_first_sync_s=7.0, sync_requests=66, diff_first_last_ms=20.0),
        _run(1, gui_first_sync_s=9.0, sync_requests=66, diff_first_last_ms=20.0),
        _run(1, gui_first_sync_s=8.0, sync_requests=66, diff_first_last_ms=20.0),
    ]
    for run, stolen in zip(runs, (0.0, 4.0, 0.5), strict=True):
        run["machine"] = {"stolen_cpu_percent": stolen}
    runs += [
        _run(4, gui_first_sync_s=30.0, diff_first_last_ms=80.0),
    ]
    lines = table(runs).splitlines()
    assert lines[0] == "| figure | 1x (5,000 assets, 3 runs) | 4x (20,000 assets, 1 run) | target |"
    sync = next(line for line in lines if line.startswith("| first full sync"))
    assert "| 8.0 (7.0\u20139.0) s; 66 requests |" in sync
    assert "| 30.0 s |" in sync
    assert sync.endswith("| < 10 s at 1x; < 40 s at 4x |")
    diff = next(line for line in lines if line.startswith("| diff, first to last"))
    assert "| 20 ms |" in diff  # the same in every run: no range
    assert lines[-1] == "| runs meeting every target (`--check`) | 0 of 3 | 0 of 1 | |"
    stolen = "| CPU stolen by the host during the runs | 0.5 (0.0\u20134.0) % | \u2014 | |"
    assert lines[-2] == stolen
    assert not any("RSS" in line for line in lines)  # figures no run has are left out


def test_the_command_reads_files_and_reports_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "run.json"
    good.write_text(json.dumps(_run(1, cache_file_mb=11.8)))
    assert main([str(good)]) == 0
    assert "| cache file | 11.8 MB | < 30 MB |" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main([str(good), str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
