"""Ranking the variants of a comparison, and which differences from the best are significant.

Variants are ranked by bot share (direct + via resale, ``bot_share_total``; plain
``bot_share`` if the economics metrics are absent) ascending, then patient success descending;
an undefined mean ranks last. For each key metric, a variant's difference from the best
variant is tested with **Welch's two-sample t-test** on the per-replication values (unequal
variances; replications are independent): p ≥ ``alpha`` (0.05) marks the difference as *not
significant*. Two samples with no spread are equal or significantly different as their means
say.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.experiments.aggregate import MetricStats

__all__ = ["KEY_METRICS", "Ranked", "rank_variants", "share_metric", "welch_p"]

KEY_METRICS = (
    "bot_share_total",
    "bot_share",
    "patient_success",
    "scalper_profit",
    "jain_index",
    "time_to_book_p50_s",
    "burden_s_mean",
    "false_positive_rate",
)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A variant's place: ``rank`` (1 = best), and per key metric the Welch p-value of its
    difference from the best variant (NaN for the best itself or when untestable)."""

    index: int
    rank: int
    p_vs_best: dict[str, float]

    def same_as_best(self, metric: str, alpha: float = 0.05) -> bool:
        """Whether this variant's difference from the best on ``metric`` is not significant."""
        p = self.p_vs_best.get(metric, math.nan)
        return self.rank == 1 or (math.isfinite(p) and p >= alpha)


def share_metric(stats: Sequence[dict[str, MetricStats]]) -> str:
    """The bot-share metric to rank by: with resale if every variant has it."""
    return "bot_share_total" if all("bot_share_total" in s for s in stats) else "bot_share"


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Welch t-test p-value of mean(a) = mean(b), NaNs left out (NaN if a side has
    fewer than 2 values)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) < 2 or len(y) < 2:
        return math.nan
    if x.std() == 0 and y.std() == 0:
        return 1.0 if x.mean() == y.mean() else 0.0
    with warnings.catch_warnings():  # nearly equal samples: scipy warns, the p is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def _key(s: dict[str, MetricStats], share: str) -> tuple[float, float]:
    bot = s[share].mean if share in s else math.nan
    ok = s["patient_success"].mean if "patient_success" in s else math.nan
    return (bot if math.isfinite(bot) else math.inf, -ok if math.isfinite(ok) else math.inf)


def rank_variants(
    stats: Sequence[dict[str, MetricStats]], metrics: Sequence[str] = KEY_METRICS
) -> list[Ranked]:
    """The variants in rank order, each with its p-values against the best."""
    if not stats:
        return []
    share = share_metric(stats)
    order = sorted(range(len(stats)), key=lambda i: (_key(stats[i], share), i))
    best = stats[order[0]]
    out = []
    for rank, i in enumerate(order, start=1):
        p = {
            m: (
                math.nan
                if rank == 1 or m not in stats[i] or m not in best
                else welch_p(stats[i][m].values, best[m].values)
            )
            for m in metrics
        }
        out.append(Ranked(i, rank, p))
    return out
