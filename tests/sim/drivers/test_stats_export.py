"""Per-operation statistics and the per-second time series of a load run's requests."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sim.drivers.load.stats_export import (
    HISTORY_COLUMNS,
    STATS_COLUMNS,
    operation_stats,
    time_series,
    write_stats,
)


def _requests(rows: list[tuple[str, float, float, float, str]]) -> pa.Table:
    op, planned, sent, done, code = zip(*rows, strict=True)
    return pa.table({"agent": list(range(len(rows))), "op": list(op), "t_planned": list(planned),
                     "t_sent": list(sent), "t_done": list(done), "code": list(code)})


ROWS = [
    ("hold", -1.0, -0.99, -0.95, "ok"),  # second -1: latency 40 ms, lag 10 ms
    ("hold", 0.10, 0.10, 0.20, "ok"),  # second 0
    ("hold", 0.20, 0.20, 0.50, "overloaded"),
    ("confirm", 0.50, 0.52, 0.56, "ok"),
    ("confirm", 2.00, 2.00, 3.00, "timeout"),  # second 2 (second 1 is empty)
]


def test_operation_rows_by_hand() -> None:
    hold, confirm, agg = operation_stats(_requests(ROWS))
    assert hold["Name"] == "hold" and agg["Name"] == "Aggregated"
    assert (hold["Request Count"], hold["Failure Count"]) == (3, 1)
    assert (confirm["Request Count"], confirm["Failure Count"]) == (2, 1)
    assert hold["50%"] == pytest.approx(100.0) and hold["100%"] == pytest.approx(300.0)
    assert hold["Min Response Time"] == pytest.approx(40.0)
    assert confirm["Average Response Time"] == pytest.approx(520.0)
    span = 3.00 - (-0.99)  # first send to last answer
    assert agg["Requests/s"] == pytest.approx(5 / span)
    assert agg["Failures/s"] == pytest.approx(2 / span)
    assert agg["99%"] == pytest.approx(np.percentile([40, 100, 300, 40, 1000], 99))


def test_time_series_one_row_per_second_with_running_totals() -> None:
    series = time_series(_requests(ROWS), t0_wall=1_000_000.5)
    assert [r["Second"] for r in series] == [-1, 0, 1, 2]
    assert [r["Requests/s"] for r in series] == [1, 3, 0, 1]
    assert [r["Failures/s"] for r in series] == [0, 1, 0, 1]
    assert [r["Total Request Count"] for r in series] == [1, 4, 4, 5]
    assert series[0]["Timestamp"] == 999_999  # floor(T0 − 1 s), Unix seconds like Locust
    assert series[0]["Lag 50%"] == pytest.approx(10.0)
    assert np.isnan(series[2]["50%"])


def _locust_columns(attr: str, base: Path) -> list[str]:
    """Locust's own CSV header (in a child process: importing locust patches this one)."""
    code = ("import locust.stats as s, locust.env as e; w = s.StatsCSVFileWriter("
            f"e.Environment(), s.PERCENTILES_TO_REPORT, {str(base)!r}); print('|'.join(w.{attr}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    return out.splitlines()[-1].split("|")


@pytest.mark.slow
def test_column_names_are_locusts_where_they_fit(tmp_path: Path) -> None:
    ours = {"Second", "Lag 50%", "Lag 99%"}  # no Locust column means these
    base = tmp_path / "locust"
    assert set(STATS_COLUMNS) <= set(_locust_columns("requests_csv_columns", base))
    assert set(HISTORY_COLUMNS) - ours <= set(_locust_columns("stats_history_csv_columns", base))


def test_files_in_the_run_folder(tmp_path: Path) -> None:
    files = write_stats(tmp_path, _requests(ROWS), 1_000_000.0)
    with files["stats"].open() as f:
        rows = list(csv.DictReader(f))
    assert [r["Name"] for r in rows] == ["hold", "confirm", "Aggregated"]
    with files["history"].open() as f:
        hist = list(csv.DictReader(f))
    assert hist[2]["50%"] == ""  # an empty second has no percentile
    doc = json.loads(files["json"].read_text())  # strict JSON: NaN written as null
    assert doc["history"][2]["50%"] is None and len(doc["operations"]) == 3
