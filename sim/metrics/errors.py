"""Errors: the share of requests the service did not answer properly (HTTP status 5xx).

A request is an error when its outcome code maps to a 5xx status in
:data:`sim.domain.contract.STATUS_OF` — ``overloaded`` (503), ``timeout`` (504),
``network_error`` (599) — or is a code the contract does not know (read as 500). Refusals by
design (sold out, rate limited, CAPTCHA required) are answers, not errors. The CI gate of
k6/Gatling users, ``error_rate < 0.01``, reads this metric.
"""

from __future__ import annotations

import math

import pyarrow.compute as pc

from sim.domain.contract import STATUS_OF
from sim.metrics.registry import metric_group
from sim.metrics.view import RunView

__all__ = ["error_metrics", "is_error_code"]


def is_error_code(code: str) -> bool:
    """Whether an outcome code is a server or transport error (5xx, or unknown)."""
    return STATUS_OF.get(code, 500) >= 500


@metric_group("errors", order=65)
def error_metrics(run: RunView) -> dict[str, float]:
    """``error_rate``: requests answered with a 5xx-class code ÷ all requests (NaN if none)."""
    counts = pc.value_counts(run.table("requests").column("code")).to_pylist()
    total = sum(row["counts"] for row in counts)
    errors = sum(row["counts"] for row in counts if is_error_code(str(row["values"])))
    return {"error_rate": errors / total if total else math.nan}
