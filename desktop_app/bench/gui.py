"""GUI figures, measured offscreen on the real main window: the longest
stall of the GUI thread while the first full sync runs, the history dialog
of the largest location (time to first paint, collapse toggle), peak RSS."""

from __future__ import annotations

import gc
import resource
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.app import create_main_window, tune_interpreter

HEARTBEAT_MS = 5


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _wait(app: QApplication, done: list[Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    if not done:
        raise TimeoutError("the sync round did not finish in time")


def measure(url: str, token: str, cache_dir: Path, location: str) -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = create_main_window(
        ["--url", url, "--token", token, "--cache-dir", str(cache_dir), "--poll-interval", "3600"]
    )
    # As `desktop-app` does after start-up; undone below so the client and
    # server figures measured next in this process are not affected.
    switch, thresholds = sys.getswitchinterval(), gc.get_threshold()
    tune_interpreter()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    done: list[bool] = []
    window.round_done.connect(done.append)
    began = time.perf_counter()
    window.show()
    _wait(app, done, timeout=600)
    sync_seconds = time.perf_counter() - began
    heartbeat.stop()
    if not done[0]:
        raise RuntimeError("the first sync round failed")
    client = window.context.connection.client
    figures: dict[str, Any] = {
        "gui_first_sync_s": round(sync_seconds, 2),
        "gui_stall_ms_max": round(max(gaps) - HEARTBEAT_MS, 1) if gaps else None,
        "gui_stall_heartbeats": len(gaps),
        "sync_bytes": client.bytes_received,
        "sync_requests": client.requests_sent,
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
        rows = dialog.model.rowCount(), len(dialog.model.loads)
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
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
    window.close()
    app.processEvents()
    sys.setswitchinterval(switch)
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    return figures
