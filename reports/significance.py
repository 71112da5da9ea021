"""Which policies differ from the best one: Welch t-tests, Holm-corrected for the number of
comparisons (statsmodels), so that ten policies compared against the best do not give a
"significant" difference by chance alone."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from reports.stats import Estimate

__all__ = ["ALPHA", "differs_from_best", "holm", "welch_p"]

ALPHA = 0.05


def welch_p(a: Estimate, b: Estimate) -> float:
    """Two-sided p-value of Welch's t-test on the replication values (1 with fewer than two
    replications on either side; two constant samples: 0 if their values differ, else 1)."""
    if a.n < 2 or b.n < 2:
        return 1.0
    if np.var(a.values, ddof=1) == 0 and np.var(b.values, ddof=1) == 0:
        return 0.0 if a.mean != b.mean else 1.0
    with warnings.catch_warnings():  # nearly constant samples: scipy warns, the p-value stands
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(sps.ttest_ind(a.values, b.values, equal_var=False).pvalue)
    return 1.0 if math.isnan(p) else p


def holm(pvalues: Sequence[float], alpha: float = ALPHA) -> tuple[list[bool], list[float]]:
    """Holm's step-down correction: (rejected?, adjusted p-value) per test."""
    if not pvalues:
        return [], []
    reject, adjusted, _, _ = multipletests(list(pvalues), alpha=alpha, method="holm")
    return [bool(r) for r in reject], [float(p) for p in adjusted]


def differs_from_best(est: Mapping[str, Estimate], best: str, alpha: float = ALPHA) -> dict[str, bool]:
    """Policy → whether it differs significantly from ``best`` after Holm's correction over all
    the comparisons against the best (the best itself maps to False)."""
    others = [p for p in est if p != best]
    reject, _ = holm([welch_p(est[p], est[best]) for p in others], alpha)
    return {best: False, **dict(zip(others, reject, strict=True))}
