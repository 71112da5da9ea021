"""The conclusion at the top of a report: plain sentences that decide, and never contradict the
report's own rows.

Benefit (slots to patients, by segment) is weighed against cost (burden, 503s, false
positives) and uncertainty (ties after Holm's correction marked n.s., outcomes that no seed
changes called deterministic). A load run that disagrees with the simulator on the same
policy stops the verdict: the report says so and why instead of concluding. The agreement check
lives in one place, :func:`agrees`; a twin row's own verdict (``agree``, ``in_pi``, ``in_ci``) is
used when the twin wrote one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reports.fairness import segments_of
from reports.significance import differs_from_best
from reports.stats import Estimate, PolicySamples, estimate_metric, estimates_of

__all__ = ["Disagreement", "agrees", "conclusions", "disagreements", "twin_conclusions"]

CHECKED = (("bot_share", "bot share"), ("patient_success", "patient success"))
COSTS = (
    ("burden_s_mean", "patient burden", "{:.0f} s per patient", 1.0),
    ("overloaded_rate", "requests rejected with 503", "{:.1f} %", 100.0),
    ("false_positive_rate", "patients wrongly blocked", "{:.1f} %", 100.0),
)


@dataclass(frozen=True)
class Disagreement:
    """A load-run value outside the simulator's interval for the same policy and metric."""

    policy: str
    metric: str
    load: float
    sim: Estimate

    def sentence(self) -> str:
        """Why the report does not conclude on this policy."""
        name = dict(CHECKED).get(self.metric, self.metric)
        return (
            f"The load run under {self.policy} disagrees with the simulator on {name}: "
            f"{_pct(self.load)} on the service vs {_pct(self.sim.mean)} simulated "
            f"(95 % interval {_pct(self.sim.lo)}–{_pct(self.sim.hi)}). The simulator's service model "
            "does not match the running service here (calibrate it with `slotgrab twin`, and check "
            "the load run's generator lag), so no verdict is drawn for this policy."
        )


def agrees(sim: Estimate, load: float) -> bool:
    """Whether one load-run value is inside the simulator's 95 % interval (the one agreement
    check of the reports; a deterministic simulator outcome must be matched exactly)."""
    return sim.lo - 1e-9 <= load <= sim.hi + 1e-9


def disagreements(samples: PolicySamples, load: Mapping[str, Mapping[str, float]]) -> list[Disagreement]:
    """Every checked metric on which a load run lies outside the simulator's interval."""
    out = []
    for policy, metrics in load.items():
        if policy not in samples:
            continue
        for metric, _ in CHECKED:
            value = metrics.get(metric, math.nan)
            sim = estimate_metric(samples[policy], metric)
            if sim.n and math.isfinite(value) and not math.isnan(sim.mean) and not agrees(sim, value):
                out.append(Disagreement(policy, metric, value, sim))
    return out


def conclusions(
    samples: PolicySamples,
    best: str | None,
    load: Mapping[str, Mapping[str, float]] | None = None,
) -> list[str]:
    """The decision sentences for simulator samples per policy (and load-run metrics per policy)."""
    if not samples:
        return []
    base = next((p for p in samples if p.split("(")[0] == "fcfs"), None)
    against = disagreements(samples, load or {})
    blocked = {d.policy for d in against}
    lines = [_verdict(samples, best, base, blocked)]
    lines += _segments(samples)
    if best is not None:
        lines += _cost(samples, best, base)
        lines += _ties(samples, best)
    lines += _deterministic(samples)
    lines += [d.sentence() for d in against]
    lines += _agreeing(samples, load or {}, blocked)
    return [line for line in lines if line]


def _verdict(samples: PolicySamples, best: str | None, base: str | None, blocked: set[str]) -> str:
    if best is None:
        policy = next(iter(samples))
        return f"Under {policy}: {_who_holds(samples, policy)}."
    if blocked & {best, base}:
        return (
            "No verdict: a load run disagrees with the simulator on a policy this comparison rests on "
            f"({', '.join(sorted(blocked))}); see below."
        )
    if best == base or base is None:
        lead = f"Verdict: {best} gives patients the most slots: {_who_holds(samples, best)}."
        return lead if base is None else f"Verdict: no policy compared does better for patients than {base}."
    success = estimates_of(samples, "patient_success")
    significant = differs_from_best(success, best).get(base, False)
    tail = (
        "the difference in patient success is significant (Welch t-test, Holm-corrected)."
        if significant
        else f"but the difference in patient success from {base} is not significant (n.s., Holm-corrected):"
        " more seeds are needed before preferring it."
    )
    return (
        f"Verdict: {best} gives patients the most slots: {_who_holds(samples, best)}, against "
        f"{_who_holds(samples, base, short=True)} under {base}; {tail}"
    )


def _who_holds(samples: PolicySamples, policy: str, *, short: bool = False) -> str:
    bots = estimate_metric(samples[policy], "bot_share").mean
    tried = estimate_metric(samples[policy], "success_among_tried").mean
    if not math.isfinite(bots):
        return "no slot confirmed"
    held = _pct(1 - bots) if short else f"patients hold {_pct(1 - bots)} of the confirmed slots"
    if not math.isfinite(tried):
        return held
    if short:
        return f"{held} ({_pct(tried)} of those who tried)"
    return f"{held} and {_pct(tried)} of patients who tried got one"


def _segments(samples: PolicySamples) -> list[str]:
    """Segments that get slots only under some policies, or under none."""
    lines = []
    for seg in segments_of(samples):
        est = estimates_of(samples, f"patient_success.{seg}")
        some = [p for p, e in est.items() if e.mean > 0]
        if not some:
            lines.append(f"{seg.capitalize()} patients get no slot under any policy compared.")
        elif len(some) < len(est):
            none = [p for p in est if p not in some]
            got = ", ".join(f"{p} ({_pct(est[p].mean)} of them)" for p in some)
            if len(some) <= len(none):
                lines.append(f"{seg.capitalize()} patients get slots only under {got}; under every other policy none.")
            else:
                lines.append(f"{seg.capitalize()} patients get no slot at all under {', '.join(none)}.")
    return lines


def _cost(samples: PolicySamples, best: str, base: str | None) -> list[str]:
    parts = []
    for metric, name, fmt, scale in COSTS:
        est = estimates_of(samples, metric)
        if best not in est or math.isnan(est[best].mean):
            continue
        text = f"{name} {fmt.format(est[best].mean * scale)}"
        if base is not None and base != best and base in est:
            text += f" ({base}: {fmt.format(est[base].mean * scale)})"
        parts.append(text)
    return [f"Cost under {best}: " + "; ".join(parts) + "."] if parts else []


def _ties(samples: PolicySamples, best: str) -> list[str]:
    success = estimates_of(samples, "patient_success")
    if best not in success:
        return []
    significant = differs_from_best(success, best)
    tied = [p for p in success if p != best and not significant[p]]
    if not tied:
        return []
    return [
        f"Not significantly different from {best} on patient success (n.s., Holm-corrected): "
        + ", ".join(tied)
        + "; the ranking among these could flip with other seeds."
    ]


def _deterministic(samples: PolicySamples) -> list[str]:
    found = []
    for metric, name in CHECKED:
        for policy, e in estimates_of(samples, metric).items():
            if e.deterministic:
                found.append(f"{name} under {policy} ({_pct(e.mean)})")
    if not found:
        return []
    n = max(len(r) for r in samples.values())
    return [
        "Deterministic in the model here: "
        + ", ".join(found)
        + f" came out the same in every one of the {n} replications (the seeds change nothing, "
        "so the spread across replications is zero)."
    ]


def _agreeing(samples: PolicySamples, load: Mapping[str, Mapping[str, float]], blocked: set[str]) -> list[str]:
    return [
        f"The load run under {p} agrees with the simulator (bot share and patient success inside its 95 % intervals)."
        for p in load
        if p in samples and p not in blocked
    ]


def twin_conclusions(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Sentences for a ``slotgrab twin`` folder: which metrics the load run reproduced."""
    inside: list[str] = []
    outside: list[str] = []
    for row in rows:
        verdict = _row_verdict(row)
        if verdict is None:
            continue
        (inside if verdict else outside).append(str(row["metric"]).replace("_", " "))
    if not inside and not outside:
        return []
    if outside:
        lead = (
            "The simulator does not reproduce the load run on "
            + ", ".join(outside)
            + ": its predictions for this service should not be used until the calibration is fixed."
        )
    else:
        lead = "The calibrated simulator reproduces the load run on every compared metric."
    return [lead] + ([f"Inside the simulator's interval: {', '.join(inside)}."] if inside and outside else [])


def _row_verdict(row: Mapping[str, Any]) -> bool | None:
    for key in ("agree", "in_pi", "in_ci"):  # the twin's own check first (prediction interval)
        if isinstance(row.get(key), bool):
            return bool(row[key])
    lo, hi, value = (row.get(k) for k in ("ci_low", "ci_high", "load"))
    if lo is None or hi is None or value is None:
        return None
    return agrees(Estimate(math.nan, float(lo), float(hi), ()), float(value))


def _pct(x: float) -> str:
    if not math.isfinite(x):
        return "—"
    return f"{x:.0%}" if x >= 0.1 or x == 0 else f"{x:.2%}"
