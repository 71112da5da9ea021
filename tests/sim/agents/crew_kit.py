"""A small scenario for scalper-crew tests, and readouts of who got the slots."""

from __future__ import annotations

from typing import Any

from sim.drivers.simpy_driver import run_simulation
from sim.experiments.replicate import scenario_meta
from sim.metrics import summarize
from sim.records import RunRecords
from sim.scenario.loader import parse_scenario
from sim.scenario.model import Scenario
from sim.scenario.overrides import apply_overrides

CREW: dict[str, Any] = {
    "name": "crew",
    "seed": 31,
    "horizon": {"before_s": 20, "after_s": 600},
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 10}]}]},
    "patients": [
        {"segment": "mobile", "count": 300, "arrival_s": {"dist": "normal", "mean": -5, "sd": 5},
         "retries": 6, "patience_s": 300},
    ],
    "bots": [{"crew": "plugin", "devices": 1, "rate_per_s": 40, "lanes": 4, "accounts": 8,
              "ips": 80, "persons": 40, "give_up_after_sold_out_s": 10, "markup": 4, "pay_s": 0.1,
              "face_price": 50}],
}

SEEDS = range(6)


def crew(overrides: dict[str, Any] | None = None) -> Scenario:
    """300 patients and one 2-lane bot device racing for 10 slots under FCFS."""
    return parse_scenario(apply_overrides(CREW, overrides or {}), "crew.yaml")


def run(sc: Scenario, rep: int) -> tuple[dict[str, float], RunRecords]:
    """One replication: its metrics (with the economics) and its records."""
    records = run_simulation(sc, rep)
    return summarize(records.tables(), {**records.meta, **scenario_meta(sc)}), records


def total(sc: Scenario, metric: str, seeds: range = SEEDS) -> float:
    """A metric summed over seeds (NaN counts as 0)."""
    out = 0.0
    for rep in seeds:
        v = run(sc, rep)[0].get(metric, 0.0)
        out += 0.0 if v != v else v
    return out


def events_of(records: RunRecords, event: str, persons: set[int]) -> int:
    """How many ``event`` rows the bookings table has for these persons."""
    b = records.bookings.to_pydict()
    rows = zip(b["event"], b["person"], strict=True)
    return sum(1 for e, p in rows if e == event and p in persons)


def bot_persons(records: RunRecords) -> set[int]:
    """Persons in the crews' pools."""
    ids = records.identities.to_pydict()
    return {p for p, k in zip(ids["person"], ids["kind"], strict=True) if k == "bot"}
