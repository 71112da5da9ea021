"""The headline figures of ``bench all``: read from each benchmark's JSON, judged by their goals."""

from __future__ import annotations

import pytest

from sim.bench.figures import FIGURES, figure_rows, figures_table

SERVICE = {"sqlite_1_worker": {"requests_per_s": {"median": 9_000.0}},
           "postgresql_2_workers": {"requests_per_s": {"median": 3_000.0}},
           "trivial": {"requests_per_s": {"median": 12_000.0}},
           "sqlite_vs_trivial": 0.74, "postgresql_vs_trivial": 0.26}
COMPARE = {"parallel_wall_s": {"median": 40.0}, "sequential_wall_s": {"median": 76.0}, "goal_applies": True,
           "parallel_over_sequential": 0.53, "cpu_s_per_cell": {"median": 0.61}}


def _row(rows: list[dict], name: str) -> dict:
    return next(r for r in rows if r["figure"] == name)


def test_each_figure_carries_value_reference_ratio_and_its_goals_verdict() -> None:
    rows = figure_rows({"service": SERVICE, "compare": COMPARE}, {})
    sqlite = _row(rows, "holds/s, SQLite, 1 worker")
    assert (sqlite["value"], sqlite["reference"], sqlite["ratio"]) == (9_000.0, 12_000.0, 0.74)
    assert sqlite["met"] is True  # 9,000 ≥ 3,000 and 0.74 ≥ 0.5
    pg = _row(rows, "holds/s, PostgreSQL, 2 workers")
    assert pg["ratio"] == 0.26 and pg["met"] is False
    compare = _row(rows, "compare 6 policies × 20 seeds, 2 cores")
    assert compare["met"] is True and compare["ratio"] == 0.53


def test_a_missing_benchmark_or_number_is_listed_with_the_reason_not_dropped() -> None:
    rows = figure_rows({"service": {"trivial": {"requests_per_s": {"median": 1.0}}}},
                       {"load": "`bench load` exited with code 2"})
    assert len(rows) == len(FIGURES)
    assert _row(rows, "simulated requests/s, one core")["missing"] == "bench sim did not run"
    lag = _row(rows, "dispatch lag p99, 2 processes")
    assert lag["value"] is None and lag["met"] is None and "code 2" in lag["missing"]
    assert "postgresql_2_workers" in _row(rows, "holds/s, PostgreSQL, 2 workers")["missing"]


def test_a_ratio_the_benchmark_does_not_give_is_value_over_reference() -> None:
    sim = {"throughput": {"req_per_s": {"median": 300_000.0}},
           "reference": {"timeouts_per_s": {"median": 600_000.0}}}
    row = _row(figure_rows({"sim": sim}, {}), "simulated requests/s, one core")
    assert row["ratio"] == pytest.approx(0.5)
    assert row["met"] is False  # 300k ≥ 250k, but 0.5 < 0.6: every goal must hold


def test_the_table_has_a_row_per_figure() -> None:
    table = figures_table(figure_rows({}, {}))
    assert table.row_count == len(FIGURES)


def test_a_compare_run_smaller_than_the_goals_matrix_is_not_judged() -> None:
    small = {**COMPARE, "goal_applies": False}
    row = _row(figure_rows({"compare": small}, {}), "compare 6 policies × 20 seeds, 2 cores")
    assert row["value"] == 40.0 and row["met"] is None
