"""Do the simulator and a load run agree? Per policy, on bot share and patient success.

Two uses. Before a load run, :func:`needed_after_s` says how long after T0 the run must last for
the policy's allocation to settle: when 90 % of the bookings held at the end are confirmed, measured
in the simulator's own records (waiting-room patients book minutes after T0; a 10 s load run
cannot see that). After it, :func:`check_agreement` compares each load-run row with the
simulator's 95 % CI, widened by the load run's own sampling error (one run: ±2 binomial standard
errors), and for a row that differs states the measured cause: a horizon shorter than the
allocation needed, a different scale (patients per slot, bot connections per slot), else that
the cause is not one of these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reports.runs import Run, load_run
from reports.stats import estimate, metric_values
from sim.metrics.view import RunView

__all__ = ["METRICS", "Agreement", "check_agreement", "needed_after_s", "settle_time_s", "write_agreement"]

METRICS = ("bot_share", "patient_success")
MARGIN_S = 10.0  # past the settle time: answers in flight, a chosen margin
# share of the final bookings a load run must see confirmed (chosen: the last few can come from
# holds that lapse 15 min later, which a demo cannot wait for; the agreement check flags that)
SETTLED = 0.9


@dataclass(frozen=True)
class Agreement:
    """One (policy, metric) row: the simulator's mean and CI, the load run's value, whether they
    agree, and if not, why (measured)."""

    policy: str
    metric: str
    sim_mean: float
    sim_low: float
    sim_high: float
    load: float
    agrees: bool
    cause: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN → None)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


def settle_time_s(run: Run, policy: str) -> float:
    """Seconds after T0 by which :data:`SETTLED` of the bookings held at the end were confirmed,
    in the first replication whose records the run kept (NaN if none kept)."""
    tables = run.tables(policy)
    if tables is None:
        return math.nan
    confirmed = RunView(dict(tables)).final_bookings.t_confirmed
    return float(np.quantile(confirmed, SETTLED)) if len(confirmed) else math.nan


def needed_after_s(run: Run, policy: str, floor_s: float) -> float:
    """How long after T0 a load run of ``policy`` must last: the simulator's settle time plus a
    margin, at least ``floor_s``."""
    settle = settle_time_s(run, policy)
    return floor_s if math.isnan(settle) else max(floor_s, math.ceil(settle + MARGIN_S))


def _scale(scenario: dict[str, Any]) -> float:
    """Patients per slot of a resolved scenario (NaN if it cannot be read)."""
    try:
        patients = sum(int(p["count"]) for p in scenario["patients"])
        slots = sum(int(s["capacity"]) for d in scenario["supply"]["departments"] for s in d["sessions"])
    except (KeyError, TypeError, ValueError):
        return math.nan
    return patients / slots if slots else math.nan


def _lanes_per_slot(scenario: dict[str, Any]) -> float:
    """Bot connections (devices × lanes) per slot of a resolved scenario (NaN if unreadable)."""
    try:
        lanes = sum(int(b["devices"]) * int(b.get("lanes", 1)) for b in scenario.get("bots", []))
        slots = sum(int(s["capacity"]) for d in scenario["supply"]["departments"] for s in d["sessions"])
    except (KeyError, TypeError, ValueError):
        return math.nan
    return lanes / slots if slots else math.nan


def _load_band(value: float, n: float) -> float:
    """Two binomial standard errors of a proportion measured once over ``n`` trials."""
    if not n or math.isnan(value):
        return 0.0
    return 2.0 * math.sqrt(max(value * (1 - value), 0.25 / n) / n)


def _cause(sim: Run, load: Run, policy: str) -> str:
    settle = settle_time_s(sim, policy)
    after = float(load.scenario.get("horizon", {}).get("after_s", math.nan))
    if not math.isnan(settle) and after < settle:
        return (f"horizon: the load run ends {after:.0f} s after T0, but in the simulator this "
                f"policy's bookings are 90 % confirmed only at {settle:.0f} s")
    sim_scale, load_scale = _scale(sim.scenario), _scale(load.scenario)
    if not np.isclose(sim_scale, load_scale, rtol=0.05):
        return (f"scale: {load_scale:.0f} patients per slot in the load run vs {sim_scale:.0f} in "
                "the simulator")
    sim_lanes, load_lanes = _lanes_per_slot(sim.scenario), _lanes_per_slot(load.scenario)
    if not np.isclose(sim_lanes, load_lanes, rtol=0.05):
        return (f"crew scale: {load_lanes:.2f} bot connections per slot in the load run vs "
                f"{sim_lanes:.2f} in the simulator (whole devices cannot scale finer)")
    return "not explained by horizon or scale (service timing and the real network differ)"


def _slots(reps: Sequence[dict[str, float]]) -> float:
    values = metric_values(reps, "slots_confirmed")
    return float(np.nanmean(values)) if values else 0.0


def check_agreement(sim_dir: Path, load_dirs: Sequence[Path]) -> list[Agreement]:
    """One row per load run's policy and metric, against the simulator run's CI."""
    sim = load_run(sim_dir)
    rows = []
    for path in load_dirs:
        load = load_run(path)
        for policy, reps in load.samples.items():
            if policy not in sim.samples:
                continue
            patients = float(sum(int(p.get("count", 0)) for p in load.scenario.get("patients", [])))
            for metric in METRICS:
                e = estimate(metric_values(sim.samples[policy], metric))
                value = estimate(metric_values(reps, metric)).mean
                n = _slots(reps) if metric == "bot_share" else patients
                half = 0.0 if math.isnan(e.half_width) else e.half_width
                ok = bool(abs(value - e.mean) <= half + _load_band(value, n))
                cause = "" if ok else _cause(sim, load, policy)
                rows.append(Agreement(policy, metric, e.mean, e.lo, e.hi, value, ok, cause))
    return rows


def write_agreement(path: Path, rows: Sequence[Agreement]) -> None:
    """``agreement.json``: every row, for the report and for CI."""
    path.write_text(json.dumps([r.to_json() for r in rows], indent=2), encoding="utf-8")
