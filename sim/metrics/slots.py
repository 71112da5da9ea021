"""Who ends up with the slots: bot share, patient success (overall and per segment), unused slots.

A slot counts as a bot's when the person of its final confirmed booking belongs to a bot crew
(identities table). A patient succeeded when their person holds a confirmed booking at the end
of the run — booking, then cancelling, is not success. Slots that go to a patient through a
scalper's resale count as the patient's here; the economics metrics measure resale separately.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["bot_share", "expired_holds", "patient_success", "slot_metrics", "success_by_segment",
           "unused_slots"]


def bot_share(run: RunView) -> float:
    """Fraction (0–1) of slots confirmed at the end whose person a bot crew controls.
    NaN when no slot was confirmed."""
    fb = run.final_bookings
    if len(fb) == 0:
        return math.nan
    return float(run.is_bot_person(fb.person).mean())


def patient_success(run: RunView) -> float:
    """Fraction (0–1) of patients holding a confirmed booking at the end (NaN: no patients)."""
    ok = run.patient_success
    return float(ok.mean()) if len(ok) else math.nan


def success_by_segment(run: RunView) -> dict[str, float]:
    """Patient success (0–1) per patient segment."""
    seg, ok = run.patient_segments, run.patient_success
    return {str(s): float(ok[seg == s].mean()) for s in np.unique(seg)}


def unused_slots(run: RunView) -> float:
    """Slots released but not confirmed by anyone at the end (count): freed by expiry or
    cancellation and never rebooked, or never taken at all."""
    return float(max(run.released_slots - len(run.final_bookings), 0))


def expired_holds(run: RunView) -> float:
    """Holds that lapsed unpaid (count): slots parked and wasted for a TTL (seat spinning)."""
    return float((column(run.table("bookings"), "event") == "expire").sum())


@metric_group("slots", order=10)
def slot_metrics(run: RunView) -> dict[str, float]:
    """``bot_share``, ``patient_success``, ``patient_success.<segment>``, ``slots_released``,
    ``slots_confirmed``, ``unused_slots``, ``expired_holds``."""
    out = {
        "bot_share": bot_share(run),
        "patient_success": patient_success(run),
        "slots_released": float(run.released_slots),
        "slots_confirmed": float(len(run.final_bookings)),
        "unused_slots": unused_slots(run),
        "expired_holds": expired_holds(run),
    }
    out.update({f"patient_success.{seg}": v for seg, v in success_by_segment(run).items()})
    return out
