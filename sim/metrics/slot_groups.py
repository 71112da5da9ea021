"""Who holds the released slots, by group, and success among the patients who tried.

With 30 slots for 3,000 patients, "% of all patients with a slot" tops out near 1 % under any
policy; the share of *slots* by group (each patient segment directly, bots directly, patients
who bought from a scalper, unused) and success among the patients who sent at least one
request say what a policy changes. Counts per replication; the reports turn them into shares
with intervals.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.economics import resale_mask
from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["slot_group_metrics"]


@metric_group("slot_groups", order=55)  # after the headline groups
def slot_group_metrics(run: RunView) -> dict[str, float]:
    """``slots.bots``, ``slots.resale``, ``slots.unused``, ``slots.patients.<segment>`` (direct,
    resale excluded), ``patients.<segment>``, ``patients_tried.<segment>``, ``patients_tried``
    and ``success_among_tried`` (0–1, NaN when nobody tried)."""
    fb = run.final_bookings
    resold = resale_mask(run)
    bot = run.is_bot_person(fb.person)
    direct = ~bot & ~resold
    seg_of_person = dict(zip(run.patient_persons.tolist(), run.patient_segments.tolist(), strict=True))
    direct_segs = [seg_of_person.get(int(p)) for p in fb.person[direct]]
    tried = np.isin(run.patient_agents, column(run.table("requests"), "agent", np.int64))
    ok = run.patient_success
    out = {
        "slots.bots": float(bot.sum()),
        "slots.resale": float(resold.sum()),
        "slots.unused": float(max(run.released_slots - len(fb), 0)),
        "patients_tried": float(tried.sum()),
        "success_among_tried": float(ok[tried].mean()) if tried.any() else float("nan"),
    }
    for seg in np.unique(run.patient_segments):
        members = run.patient_segments == seg
        out[f"slots.patients.{seg}"] = float(sum(s == seg for s in direct_segs))
        out[f"patients.{seg}"] = float(members.sum())
        out[f"patients_tried.{seg}"] = float((members & tried).sum())
        tried_here = members & tried
        out[f"success_among_tried.{seg}"] = float(ok[tried_here].mean()) if tried_here.any() else float("nan")
    return out
