"""GUI figures, measured offscreen on the real main window: the longest
stall of the GUI thread while the first full sync runs (in the app's sync
process), how soon the deployment table lists locations, the history
dialog of the largest location (time to first paint, collapse toggle),
peak RSS of the GUI process and of its children."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.app import create_main_window, settle_heap

HEARTBEAT_MS = 5


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _run_until(signal: Any, timeout: float) -> list[Any]:
    """Run the event loop, as the app does, until `signal` is emitted (its
    arguments are returned) or `timeout` seconds pass (TimeoutError)."""
    loop = QEventLoop()
    got: list[Any] = []

    def emitted(*args: Any) -> None:
        got.append(args)
        loop.quit()

    signal.connect(emitted)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()
    if not got:
        raise TimeoutError("the sync round did not finish in time")
    return list(got[0])


def measure(
    url: str, token: str, cache_dir: Path, location: str, sync_timeout: float = 600.0
) -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = create_main_window(
        ["--url", url, "--token", token, "--cache-dir", str(cache_dir), "--poll-interval", "3600"]
    )
    settle_heap()  # as the app's main() does before it shows the window
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    usable: list[float] = []

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
        if not usable and window.model.rowCount() > 0:
            usable.append(time.perf_counter() - began)

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    results: list[Any] = []
    window.poller.synced.connect(results.append)
    began = time.perf_counter()
    cpu_began = time.process_time()
    window.show()
    (ok,) = _run_until(window.round_done, timeout=sync_timeout)
    sync_seconds = time.perf_counter() - began
    # What the GUI process itself spent meanwhile (the sync runs elsewhere):
    # stalls beyond it are the machine's scheduler, not our work.
    gui_cpu = time.process_time() - cpu_began
    heartbeat.stop()
    if not ok:
        raise RuntimeError("the first sync round failed")
    stalls = sorted(gap - HEARTBEAT_MS for gap in gaps)
    figures: dict[str, Any] = {
        "gui_first_sync_s": round(sync_seconds, 2),
        "gui_table_usable_s": round(usable[0], 2) if usable else None,
        "gui_process_cpu_s_during_sync": round(gui_cpu, 2),
        "gui_stall_ms_max": round(stalls[-1], 1) if stalls else None,
        "gui_stall_ms_p99": round(stalls[int(len(stalls) * 0.99)], 1) if stalls else None,
        "gui_stalls_over_16ms": sum(1 for s in stalls if s >= 16),
        "gui_stall_heartbeats": len(gaps),
        "sync_requests": getattr(results[0], "requests", None) if results else None,
    }

    paint: list[float] = []
    collapse: list[float] = []
    for _ in range(3):
        began = time.perf_counter()
        dialog = window.open_history(location)
        dialog.grab()  # forces layout and a full paint, offscreen
        paint.append(time.perf_counter() - began)
        for _ in range(2):
            began = time.perf_counter()
            dialog.collapse_box.toggle()
            dialog.grab()
            collapse.append(time.perf_counter() - began)
        rows = dialog.model.rowCount(), dialog.model.read_count
        dialog.close()
        dialog.deleteLater()
        app.processEvents()
    figures.update(
        {
            "history_dialog_paint_ms": _ms(min(paint)),
            "history_dialog_paint_ms_first": _ms(paint[0]),
            "collapse_toggle_ms": _ms(sorted(collapse)[len(collapse) // 2]),
            "history_rows_shown": rows[0],
            "history_rows_read": rows[1],
        }
    )
    window.close()
    app.processEvents()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The largest child that has exited: the sync process.
    figures["peak_rss_children_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    return figures
