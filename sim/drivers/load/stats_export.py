"""A load run's request statistics in the shapes load testers know: Locust's CSVs, plus JSON.

From the run's ``requests`` table (the records, not the live totals):

- :func:`operation_stats`: one row per operation and an ``Aggregated`` row — count, failures,
  mean/min/max and p50/p90/p99 response time (ms), requests/s and failures/s over the run;
- :func:`time_series`: one row per second of send time — requests/s, failures/s, latency
  percentiles, the generator's lag (sent − planned) and running totals.

Column names are Locust's (``--csv``'s ``_stats.csv`` and ``_stats_history.csv``) where a
column means the same; ``Lag 50%``/``Lag 99%`` and ``Second`` (since T0) are ours. A failure
is what Locust counts as one: no answer or a 5xx (:func:`~sim.drivers.load.live_stats.is_failure`).
Percentiles are exact (numpy, linear interpolation), not Locust's rounded buckets.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.drivers.load.live_stats import is_failure

__all__ = [
    "HISTORY_COLUMNS",
    "STATS_COLUMNS",
    "operation_stats",
    "time_series",
    "write_stats",
]

STATS_COLUMNS = (
    "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time",
    "Min Response Time", "Max Response Time", "Requests/s", "Failures/s", "50%", "90%", "99%",
    "100%",
)
HISTORY_COLUMNS = (
    "Timestamp", "Second", "Name", "Requests/s", "Failures/s", "50%", "90%", "99%", "100%",
    "Lag 50%", "Lag 99%", "Total Request Count", "Total Failure Count",
)


class _Requests:
    """The columns of a requests table as arrays (latency and lag in ms)."""

    def __init__(self, requests: pa.Table) -> None:
        cols = requests.select(["op", "t_planned", "t_sent", "t_done", "code"]).to_pydict()
        self.op = np.asarray(cols["op"], dtype=object)
        self.sent = np.asarray(cols["t_sent"], dtype=float)
        self.latency = (np.asarray(cols["t_done"], dtype=float) - self.sent) * 1e3
        self.lag = (self.sent - np.asarray(cols["t_planned"], dtype=float)) * 1e3
        self.failed = np.asarray([is_failure(c) for c in cols["code"]], dtype=bool)
        done = np.asarray(cols["t_done"], dtype=float)
        self.span = float(np.nanmax(done) - np.nanmin(self.sent)) if self.sent.size else 0.0


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if values.size else math.nan


def _row(name: str, latency: np.ndarray, failed: np.ndarray, span: float) -> dict[str, Any]:
    n, k = int(latency.size), int(failed.sum())
    per_s = 1.0 / span if span > 0 else math.nan
    return {
        "Name": name,
        "Request Count": n,
        "Failure Count": k,
        "Median Response Time": _pct(latency, 50),
        "Average Response Time": float(latency.mean()) if n else math.nan,
        "Min Response Time": float(latency.min()) if n else math.nan,
        "Max Response Time": float(latency.max()) if n else math.nan,
        "Requests/s": n * per_s,
        "Failures/s": k * per_s,
        "50%": _pct(latency, 50),
        "90%": _pct(latency, 90),
        "99%": _pct(latency, 99),
        "100%": float(latency.max()) if n else math.nan,
    }


def operation_stats(requests: pa.Table) -> list[dict[str, Any]]:
    """One row per operation (in order of first use), then ``Aggregated``; times in ms."""
    r = _Requests(requests)
    ops = list(dict.fromkeys(r.op.tolist()))
    rows = [_row(op, r.latency[r.op == op], r.failed[r.op == op], r.span) for op in ops]
    rows.append(_row("Aggregated", r.latency, r.failed, r.span))
    return rows


def time_series(requests: pa.Table, t0_wall: float) -> list[dict[str, Any]]:
    """One ``Aggregated`` row per second of send time (``Second`` s after T0, may be < 0)."""
    r = _Requests(requests)
    if not r.sent.size:
        return []
    second = np.floor(r.sent).astype(int)
    rows, total, failures = [], 0, 0
    for s in range(int(second.min()), int(second.max()) + 1):
        here = second == s
        n, k = int(here.sum()), int(r.failed[here].sum())
        total, failures = total + n, failures + k
        lat, lag = r.latency[here], r.lag[here]
        rows.append({
            "Timestamp": math.floor(t0_wall + s),
            "Second": s,
            "Name": "Aggregated",
            "Requests/s": float(n),
            "Failures/s": float(k),
            "50%": _pct(lat, 50),
            "90%": _pct(lat, 90),
            "99%": _pct(lat, 99),
            "100%": float(lat.max()) if n else math.nan,
            "Lag 50%": _pct(lag, 50),
            "Lag 99%": _pct(lag, 99),
            "Total Request Count": total,
            "Total Failure Count": failures,
        })
    return rows


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for row in rows:
            w.writerow({c: _csv_value(row[c]) for c in columns})


def _csv_value(v: Any) -> Any:
    if isinstance(v, float):
        return "" if math.isnan(v) else round(v, 3)
    return v


def _json_safe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]


def write_stats(folder: Path, requests: pa.Table, t0_wall: float) -> dict[str, Path]:
    """Write ``stats.csv``, ``stats_history.csv`` and ``stats.json`` into ``folder``."""
    ops, series = operation_stats(requests), time_series(requests, t0_wall)
    files = {
        "stats": folder / "stats.csv",
        "history": folder / "stats_history.csv",
        "json": folder / "stats.json",
    }
    _write_csv(files["stats"], STATS_COLUMNS, ops)
    _write_csv(files["history"], HISTORY_COLUMNS, series)
    doc = {"t0_wall": t0_wall, "operations": _json_safe(ops), "history": _json_safe(series)}
    files["json"].write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return files
