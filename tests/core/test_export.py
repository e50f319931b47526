"""CSV exports keep the server's text, but no cell can start a formula."""

from __future__ import annotations

import csv
import io

from desktop_app.core.export import cell, to_csv


def test_a_cell_that_would_start_a_formula_is_read_as_text() -> None:
    for text in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert cell(text) == "'" + text
    for text in ("ghcr.io/acme/app:1", "ada@example.com", "a=b", "", "2026-12-03T10:00:00Z"):
        assert cell(text) == text


def test_the_csv_holds_the_text_but_no_formula() -> None:
    image = "=cmd|' /C calc'!A0\x1b[31m"
    text = to_csv([{"image": image, "error": "boom\nline 2", "count": 3}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["image"] == "'" + image  # everything else kept as it was sent
    assert row["error"] == "boom\nline 2"
    assert row["count"] == "3"
