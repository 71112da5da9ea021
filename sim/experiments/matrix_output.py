"""What a comparison shows and writes: the ranked table, CSV and JSON of the matrix.

Files written into the output folder:

- ``compare.csv`` — one row per variant × metric: rank, variant, metric, mean, sd, 95 % CI,
  n, Welch p-value against the best variant and whether the difference is significant;
- ``compare.json`` — the same, nested per variant (policies, swept values, every metric's
  statistics with per-replication values), plus the run's settings and timing;
- ``cells.csv`` — every cell's own summary: variant, replication, one column per metric.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from sim.experiments.aggregate import MetricStats, metric_names
from sim.experiments.matrix import MatrixResult
from sim.experiments.ranking import KEY_METRICS, Ranked, share_metric
from sim.scenario.model import Scenario

__all__ = ["ZERO_WIDTH_MARK", "ZERO_WIDTH_NOTE", "matrix_table", "write_matrix"]

_SHOWN = ("patient_success", "scalper_profit", "jain_index", "time_to_book_p50_s", "burden_s_mean")
_HEADER = {
    "bot_share_total": "bot share (+resale)",
    "bot_share": "bot share",
    "patient_success": "patients booked",
    "scalper_profit": "scalper profit",
    "jain_index": "Jain",
    "time_to_book_p50_s": "p50 book s",
    "burden_s_mean": "burden s",
}
_ALPHA = 0.05
ZERO_WIDTH_MARK = "det"
ZERO_WIDTH_NOTE = (f"± 0 {ZERO_WIDTH_MARK}: every seed gave the same value — the model is "
                   "deterministic there, so the CI's zero width is not certainty about the world")


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else f"{v:.1f}" if a >= 10 else f"{v:.3f}"


def _cell(s: MetricStats | None, r: Ranked, metric: str) -> str:
    if s is None:
        return "—"
    if not math.isfinite(s.half_width):
        text = _fmt(s.mean)
    elif s.half_width == 0 and s.n > 1:
        text = f"{_fmt(s.mean)} ± 0 {ZERO_WIDTH_MARK}"  # every seed gave the same value
    else:
        text = f"{_fmt(s.mean)} ± {_fmt(s.half_width)}"
    return f"{text} ≈" if r.rank > 1 and r.same_as_best(metric, _ALPHA) else text


def matrix_table(result: MatrixResult, ranking: Sequence[Ranked], title: str) -> Table:
    """The ranked table: one row per variant, key metrics as mean ± 95 % CI half-width."""
    share = share_metric(result.stats)
    metrics = [share] + [m for m in _SHOWN if any(m in s for s in result.stats)]
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    widest = max((len(v.label) for v in result.variants), default=10)
    table.add_column("variant", style="bold", overflow="fold", min_width=min(widest, 60))
    for m in metrics:
        table.add_column(_HEADER.get(m, m), justify="right", no_wrap=True)
    for r in ranking:
        stats = result.stats[r.index]
        table.add_row(
            str(r.rank),
            Text(result.variants[r.index].label),  # "[...]" is not rich markup here
            *(_cell(stats.get(m), r, m) for m in metrics),
        )
    return table


def _json_value(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _rows(result: MatrixResult, ranking: Sequence[Ranked]) -> list[dict[str, Any]]:
    rows = []
    for r in ranking:
        v = result.variants[r.index]
        for name, s in result.stats[r.index].items():
            p = r.p_vs_best.get(name, math.nan)
            rows.append(
                {
                    "rank": r.rank,
                    "variant": v.label,
                    "metric": name,
                    "mean": s.mean,
                    "sd": s.sd,
                    "ci_low": s.ci_low,
                    "ci_high": s.ci_high,
                    "n": s.n,
                    "p_vs_best": p,
                    "significant_vs_best": (r.rank > 1 and math.isfinite(p) and p < _ALPHA)
                    if name in KEY_METRICS
                    else "",
                }
            )
    return rows


def _write_csv(path: Path, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(fields))
        w.writeheader()
        w.writerows(rows)


def write_matrix(
    folder: Path,
    base: Scenario,
    result: MatrixResult,
    ranking: Sequence[Ranked],
    run: Mapping[str, Any],
) -> None:
    """Write ``compare.csv``, ``compare.json`` and ``cells.csv`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = _rows(result, ranking)
    _write_csv(folder / "compare.csv", rows, list(rows[0]) if rows else ["rank"])
    names = metric_names([s for per in result.summaries for s in per])
    cells = [
        {"variant": v.label, "rep": rep, **per[k]}
        for v, per in zip(result.variants, result.summaries, strict=True)
        for k, rep in enumerate(result.reps)
    ]
    _write_csv(folder / "cells.csv", cells, ["variant", "rep", *names])
    doc = {
        "scenario": base.name,
        "seed": base.seed,
        "reps": result.reps,
        **run,
        "ranked_by": [share_metric(result.stats), "-patient_success"],
        "significance": f"Welch two-sample t-test vs the best variant, alpha {_ALPHA}",
        "variants": [
            {
                "rank": r.rank,
                "variant": result.variants[r.index].label,
                "policies": [p.model_dump() for p in result.variants[r.index].stack],
                "sweep": dict(result.variants[r.index].sweep),
                "p_vs_best": {k: _json_value(p) for k, p in r.p_vs_best.items()},
                "metrics": {n: s.to_json() for n, s in result.stats[r.index].items()},
            }
            for r in ranking
        ],
    }
    (folder / "compare.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
