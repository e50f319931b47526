"""Untrusted text loses what a terminal or a table would act on; any
time a cache may hold formats without raising."""

from __future__ import annotations

import logging
import math

import pytest

from desktop_app.core.untrusted import (
    PrintableFormatter,
    iso_utc,
    moment,
    printable,
    sane_timestamp,
)
from desktop_app.ui import formatting


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("analytics", "analytics"),
        ("ünïcode ✓ 日本", "ünïcode ✓ 日本"),
        ("evil\x1b[31mred", "evil\\x1b[31mred"),
        ("abc\u202egpj.exe", "abc\\u202egpj.exe"),
        ("nul\x00byte", "nul\\x00byte"),
        ("two\nlines", "two\\x0alines"),
        ("lone \udc80 surrogate", "lone \\udc80 surrogate"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_multiline_keeps_newlines_and_tabs_only() -> None:
    assert printable("a\n\tb\x1b", multiline=True) == "a\n\tb\\x1b"


@pytest.mark.parametrize(
    "value", [1e308, -1e308, math.inf, -math.inf, math.nan, -1, 1e20, 10**400, True, "1"]
)
def test_no_cached_value_breaks_formatting(value: object) -> None:
    assert not sane_timestamp(value)
    assert moment(value) is None
    assert iso_utc(value) == "?"
    for fmt in (formatting.exact_time, formatting.when, formatting.clock, formatting.short_clock):
        assert fmt(value) == "?"  # type: ignore[arg-type]
    assert formatting.relative(value) == "?"  # type: ignore[arg-type]


def test_sane_times_still_format() -> None:
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    assert formatting.exact_time(1_700_000_000).startswith("2023-11-1")
    assert formatting.age(math.inf) == "?"


def test_log_lines_quote_server_text_without_control_characters() -> None:
    formatter = PrintableFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "location %s failed:\n%s", ("a\x1b[2J\u202e", "b"), None
    )
    assert formatter.format(record) == "WARNING location a\\x1b[2J\\u202e failed:\nb"
