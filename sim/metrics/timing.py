"""How long and how many tries a successful patient needed.

Time to book runs from the patient's arrival (``agents.arrival``; for a patient who arrived
before T0, time spent waiting for the release counts) to the confirmation of the booking they
hold at the end.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["attempts_per_success", "time_to_book", "timing_metrics"]


def time_to_book(run: RunView) -> np.ndarray:
    """Seconds from arrival to confirmation, one value per successful patient."""
    booked_at = run.patient_booked_at
    ok = ~np.isnan(booked_at)
    return booked_at[ok] - run.patient_trait("arrival").astype(np.float64)[ok]


def attempts_per_success(run: RunView) -> float:
    """Patients' ``hold`` requests (all patients, successful or not) per patient who holds a
    confirmed booking at the end. NaN when no patient succeeded."""
    successes = int(run.patient_success.sum())
    if successes == 0:
        return math.nan
    ops = column(run.table("requests"), "op")
    return float(((ops == "hold") & run.request_is_patient).sum() / successes)


@metric_group("timing", order=30)
def timing_metrics(run: RunView) -> dict[str, float]:
    """``time_to_book_p50_s``, ``time_to_book_p90_s`` (seconds, successful patients; NaN if
    none) and ``attempts_per_success`` (patient hold requests per successful patient)."""
    ttb = time_to_book(run)
    p50, p90 = (float(np.percentile(ttb, q)) if len(ttb) else math.nan for q in (50, 90))
    return {"time_to_book_p50_s": p50, "time_to_book_p90_s": p90,
            "attempts_per_success": attempts_per_success(run)}
