"""The live terminal view of ``slotgrab load`` and the k6-style gate lines of its summary."""

from __future__ import annotations

import io
import math
import time

from rich.console import Console

from sim.cli.live_view import live_view, render
from sim.cli.load_summary import evaluate_load_gates, gate_lines
from sim.drivers.load.live_stats import LiveStats
from sim.scenario.loader import load_scenario


def _text(renderable: object) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_frame_before_t0_counts_down_and_shows_what_a_peak_watcher_needs() -> None:
    stats = LiveStats(slots=30, agents=200)
    stats.t0_wall = time.time() + 12.0
    stats.record("bot", "hold", -0.5, -0.5, -0.45, "ok")
    stats.record("bot", "confirm", -0.4, -0.39, -0.3, "ok")
    stats.record("patient", "hold", -0.5, -0.49, -0.3, "overloaded")
    stats.urls["web UI"] = "http://127.0.0.1:8089/"
    text = _text(render("release-peak", stats.snapshot(), stats.urls))
    assert "T−11." in text or "T−12.0" in text
    for words in ("requests/s", "p50", "p99", "generator lag", "29 of 30", "100.0% of 1 confirmed",
                  "overloaded! 33%", "http://127.0.0.1:8089/"):
        assert words in text, words


def test_frame_after_t0_counts_up_and_has_no_bot_share_without_bookings() -> None:
    stats = LiveStats(slots=3, agents=1)
    stats.t0_wall = time.time() - 4.0
    text = _text(render("x", stats.snapshot(), {}))
    assert "T+4." in text and "bot share" in text
    assert math.isnan(stats.snapshot()["bot_share"])


def test_no_view_when_the_console_is_not_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False)
    with live_view("x", LiveStats(), console, enabled=True) as progress:
        progress({"agents": 1, "finished": 0, "requests": 0})
    assert out.getvalue() == ""


def test_view_draws_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    stats = LiveStats(slots=5)
    with live_view("peak", stats, console, enabled=True) as progress:
        time.sleep(0.3)
        progress({})
    assert "peak · load run" in out.getvalue() and "slots left" in out.getvalue()


def test_gate_lines_mark_pass_fail_and_unreported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "g.yaml"
    path.write_text(
        "name: g\nsupply: {departments: [{id: d, sessions: [{id: s, capacity: 3}]}]}\n"
        "patients: [{segment: a, count: 10, arrival_s: {dist: uniform, low: 0, high: 1}}]\n"
        "gates:\n  simulate: ['bot_share < 0.9']\n"
        "  load: ['bot_share < 0.1', 'overbooked == 0', 'no_such_metric > 1']\n"
    )
    sc = load_scenario(path)
    gates = evaluate_load_gates(
        sc, {"bot_share": 0.25, "overbooked": 0.0, "generator_lag_p99_ms": 80.0}
    )
    lines = [line.plain for line in gate_lines(gates)]
    assert gates.failed
    assert lines[0].startswith("  ✗ bot_share < 0.1") and "fail" in lines[0]
    assert lines[1].startswith("  ✓ overbooked == 0")
    # the generator lagged: the implicit precondition makes the run's timing untrusted
    # (sim.gates' rule: inconclusive, never a pass), while outcome gates keep their verdict
    assert lines[2].startswith("  ? generator_lag_p99_ms < 50 (implicit)")
    assert "timing cannot be trusted" in lines[2]
    assert lines[3].startswith("  ? no_such_metric > 1") and "not reported" in lines[3]
    assert not any("0.9" in line for line in lines)  # simulate gates are not load gates
