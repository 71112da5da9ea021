"""One replication's metrics: every registered metric group applied to the run's records.

``summarize(tables, meta)`` returns a flat ``{metric_name: float}``; names are snake_case and
stable (reports and CI gates refer to them), per-segment or per-code variants are dotted
(``patient_success.elderly``, ``requests.timeout``). A value that is undefined for the run
(e.g. time to book when nobody booked) is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from sim.metrics.registry import all_groups
from sim.metrics.view import RunView

__all__ = ["summarize"]


def summarize(tables: Mapping[str, pa.Table],
              meta: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Every metric of one run, from its record tables (``agents``, ``identities``, ``requests``,
    ``bookings``, ``outcomes``) and optional ``meta`` (``capacities``, ``busy_s`` …)."""
    run = RunView(dict(tables), dict(meta or {}))
    out: dict[str, float] = {}
    for name, group in all_groups().items():
        for metric, value in group(run).items():
            if metric in out:
                raise ValueError(f"metric {metric!r} is computed by two groups (second: {name})")
            out[metric] = float(value)
    return out
