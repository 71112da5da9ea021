"""What anti-bot measures cost genuine patients: false positives and time spent.

A false positive is a patient's request that a policy turned away as if it came from a bot or
an abuser: answered ``blocked`` (blacklist), ``rate_limited``, ``captcha_failed``,
``forbidden`` or ``frozen`` (account frozen after a cancellation until re-verified).
Burden is the time patients spent on CAPTCHAs, in queues and in the slow lane (the
``outcomes`` table's ``burden_s``, ``captcha_s`` and ``queue_s``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["FALSE_POSITIVE_CODES", "burden_metrics", "false_positives", "patient_burden"]

FALSE_POSITIVE_CODES = ("blocked", "rate_limited", "captcha_failed", "forbidden", "frozen")


def false_positives(run: RunView) -> dict[str, float]:
    """``false_positive_requests`` (count of patient requests turned away),
    ``false_positive_patients`` (patients turned away at least once) and
    ``false_positive_rate`` (that count as a fraction 0–1 of all patients)."""
    hit = run.request_is_patient & np.isin(run.request_codes, FALSE_POSITIVE_CODES)
    agents = column(run.table("requests"), "agent", np.int64)[hit]
    affected = len(np.unique(agents))
    n = len(run.patient_agents)
    return {"false_positive_requests": float(hit.sum()),
            "false_positive_patients": float(affected),
            "false_positive_rate": affected / n if n else math.nan}


def patient_burden(run: RunView) -> dict[str, float]:
    """Mean seconds per patient spent on CAPTCHAs (``burden_captcha_s_mean``), in queues and
    the slow lane (``burden_queue_s_mean``), and in all of them (``burden_s_mean``,
    ``burden_s_p90``)."""
    out = run.table("outcomes")
    patient = run.patient_mask_of(column(out, "agent", np.int64))
    if not patient.any():
        return {k: math.nan for k in ("burden_s_mean", "burden_s_p90", "burden_captcha_s_mean",
                                      "burden_queue_s_mean")}
    total = column(out, "burden_s", np.float64)[patient]
    return {"burden_s_mean": float(total.mean()),
            "burden_s_p90": float(np.percentile(total, 90)),
            "burden_captcha_s_mean": float(column(out, "captcha_s", np.float64)[patient].mean()),
            "burden_queue_s_mean": float(column(out, "queue_s", np.float64)[patient].mean())}


@metric_group("burden", order=40)
def burden_metrics(run: RunView) -> dict[str, float]:
    """False positives and patient burden (see :func:`false_positives`, :func:`patient_burden`)."""
    return {**false_positives(run), **patient_burden(run)}
