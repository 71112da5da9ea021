"""What an attack search means, as plain data and sentences: the JSON document of a search
(``attack.json``), and the conclusions the CLI prints and the reports show.

Everything here reads the document, not live objects, so a report can be rebuilt from a run
folder alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.attack.search import AttackResult, Confirmed, TrialRecord

__all__ = ["adaptive_conclusions", "attack_conclusions", "attack_doc", "rank_by_worst"]


def _num(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)


def _stats(c: Confirmed, metrics: Sequence[str]) -> dict[str, Any]:
    return {m: c.stats[m].to_json() for m in metrics if m in c.stats}


def _confirmed(c: Confirmed, metrics: Sequence[str]) -> dict[str, Any]:
    return {"label": c.label, "params": c.params, "cost": _num(c.cost), "stats": _stats(c, metrics)}


def _trial(t: TrialRecord) -> dict[str, Any]:
    return {"number": t.number, "state": t.state, "value": _num(t.value), "seeds_run": t.seeds_run,
            "cost": _num(t.cost), "params": t.params, "note": t.note,
            "metrics": {k: _num(v) for k, v in t.metrics.items()}}


def attack_doc(r: AttackResult) -> dict[str, Any]:
    """The search as JSON-able data: settings, every trial, nominal, best, worst, fragment."""
    metrics = sorted({r.metric, "bot_share_total", "patient_success", "scalper_profit",
                      f"scalper_profit.{r.crew}"})
    return {
        "scenario": r.scenario, "policy": r.policy, "crew": r.crew, "objective": r.objective,
        "metric": r.metric, "seed": r.seed, "settings": r.settings.summary(),
        "trials": [_trial(t) for t in r.trials],
        "best_so_far": [_num(v) for v in r.best_so_far()],
        "nominal": _confirmed(r.nominal, metrics), "best": _confirmed(r.best, metrics),
        "worst_is": "best" if r.worst is r.best else "nominal",
        "found_stronger": r.found_stronger, "fragment": r.fragment,
    }


def _mean(side: Mapping[str, Any], metric: str) -> float:
    s = side.get("stats", {}).get(metric)
    return math.nan if s is None or s.get("mean") is None else float(s["mean"])


def _ci(side: Mapping[str, Any], metric: str, scale: float, unit: str, digits: int) -> str:
    s = side.get("stats", {}).get(metric) or {}
    if s.get("mean") is None:
        return "–"
    mean = f"{s['mean'] * scale:,.{digits}f}{unit}"
    if s.get("ci_low") is None or s.get("ci_high") is None or s["ci_low"] == s["ci_high"]:
        return mean
    lo, hi = s["ci_low"] * scale, s["ci_high"] * scale
    if unit == " %":  # a share: the Student-t interval is cut to what a share can be
        lo, hi = max(lo, 0.0), min(hi, 100.0)
    return f"{mean} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def _share(side: Mapping[str, Any]) -> str:
    return _ci(side, "bot_share_total", 100.0, " %", 1)


def _profit(side: Mapping[str, Any], crew: str) -> str:
    return "¥" + _ci(side, f"scalper_profit.{crew}", 1.0, "", 0)


def _changes(doc: Mapping[str, Any]) -> str:
    """The best crew's params that differ from the nominal crew's."""
    best, nominal = doc["best"]["params"], doc["trials"][0]["params"] if doc["trials"] else {}
    diff = [f"{k}={_short(v)}" for k, v in best.items() if nominal.get(k) != v]
    return ", ".join(diff) if diff else "the nominal crew"


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def attack_conclusions(doc: Mapping[str, Any]) -> list[str]:
    """Plain sentences: what the search found, whether it pays, and how sure that is."""
    crew, policy = doc["crew"], doc["policy"]
    n = len(doc["trials"])
    k = doc["settings"]["confirm_seeds"]
    nominal, best = doc["nominal"], doc["best"]
    out = [f"Against {policy}, the nominal crew {crew!r} takes {_share(nominal)} of the slots "
           f"(profit {_profit(nominal, crew)}/day) on {k} replications the search never used."]
    if doc["found_stronger"]:
        out.append(f"The strongest attack found in {n} trials ({_changes(doc)}) takes {_share(best)} "
                   f"(profit {_profit(best, crew)}/day): the worst case is this attack, not today's crew.")
    else:
        out.append(f"No attack found in {n} trials beat the nominal crew on fresh replications: the "
                   f"worst case found is the nominal one.")
    worst = best if doc["worst_is"] == "best" else nominal
    profit = _mean(worst, f"scalper_profit.{crew}")
    if not math.isnan(profit) and profit < 0 < _mean(worst, "bot_share_total"):
        out.append(f"That attack wins slots at a loss ({_profit(worst, crew)}/day): it does not pay.")
    if doc["objective"] == "profit":
        out.append(_profit_verdict(doc, policy, crew, n))
    return out


def _profit_verdict(doc: Mapping[str, Any], policy: str, crew: str, n: int) -> str:
    worst = doc["best"] if doc["worst_is"] == "best" else doc["nominal"]
    s = worst.get("stats", {}).get(f"scalper_profit.{crew}") or {}
    high = s.get("ci_high")
    if high is not None and high <= 0:
        return (f"No profitable attack on {policy} was found in {n} trials: the most profitable one "
                f"loses money ({_profit(worst, crew)}/day, CI entirely ≤ 0).")
    return f"Scalping {policy} still pays: the most profitable attack found earns {_profit(worst, crew)}/day."


def rank_by_worst(docs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Stacks ordered by their worst case for patients: lowest worst-case bot share first,
    then lowest worst-case profit."""
    def key(doc: Mapping[str, Any]) -> tuple[float, float]:
        worst = doc["best"] if doc["worst_is"] == "best" else doc["nominal"]
        share = _mean(worst, "bot_share_total")
        profit = _mean(worst, f"scalper_profit.{doc['crew']}")
        return (share if not math.isnan(share) else math.inf, profit if not math.isnan(profit) else math.inf)
    return sorted(docs, key=key)


def adaptive_conclusions(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Which stack is robust (lowest worst case), which look good only against today's bot,
    and which no attack found makes pay."""
    if not docs:
        return []
    ranked = rank_by_worst(docs)
    top = ranked[0]
    worst_of = {d["policy"]: d["best"] if d["worst_is"] == "best" else d["nominal"] for d in docs}
    out = [f"Most robust: {top['policy']} — its worst case found is {_share(worst_of[top['policy']])} "
           f"of the slots to bots (nominal {_share(top['nominal'])})."]
    nominal_best = min(docs, key=lambda d: _mean(d["nominal"], "bot_share_total"))
    if nominal_best["policy"] != top["policy"]:
        out.append(f"{nominal_best['policy']} ranks first against today's crew "
                   f"({_share(nominal_best['nominal'])}) but falls to "
                   f"{_share(worst_of[nominal_best['policy']])} under the searched attack.")
    for d in docs:
        if d["found_stronger"]:
            jump = _mean(d["best"], "bot_share_total") - _mean(d["nominal"], "bot_share_total")
            if jump > 0.1:
                out.append(f"{d['policy']}: the search raised bot share by {jump * 100:.0f} points "
                           f"({_changes(d)}).")
    unprofitable = [d["policy"] for d in docs
                    if (_hi(worst_of[d["policy"]], f"scalper_profit.{d['crew']}") or math.inf) <= 0]
    if unprofitable:
        out.append("No profitable attack found against: " + ", ".join(unprofitable)
                   + " (the upper CI bound of the best profit is ≤ 0).")
    return out


def _hi(side: Mapping[str, Any], metric: str) -> float | None:
    s = side.get("stats", {}).get(metric) or {}
    return s.get("ci_high")
