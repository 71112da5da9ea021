"""Small scenarios and record readouts shared by the simulator's driver tests."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sim.records import RunRecords
from sim.scenario.loader import parse_scenario
from sim.scenario.model import Scenario
from sim.scenario.overrides import apply_overrides

RACE: dict[str, Any] = {
    "name": "race",
    "seed": 11,
    "horizon": {"before_s": 60, "after_s": 300},
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 10}]}]},
    "patients": [
        {
            "segment": "eager",
            "count": 150,
            "arrival_s": {"dist": "normal", "mean": -10, "sd": 8},
            "reaction_s": {"dist": "lognormal", "median": 0.6, "p95": 1.5},
            "retries": 8,
            "patience_s": 300,
        },
        {
            "segment": "calm",
            "count": 150,
            "arrival_s": {"dist": "normal", "mean": -10, "sd": 8},
            "reaction_s": {"dist": "lognormal", "median": 0.6, "p95": 1.5},
            "retries": 8,
            "patience_s": 300,
        },
    ],
    "bots": [
        {
            "crew": "plugin",
            "devices": 1,
            "rate_per_s": 50,
            "lanes": 2,
            "accounts": 10,
            "ips": 5,
            "persons": 20,
            "give_up_after_sold_out_s": 10,
        }
    ],
}


def race(overrides: dict[str, Any] | None = None) -> Scenario:
    """A small FCFS race: 300 patients in two alike segments, one bot device, 10 slots."""
    return parse_scenario(apply_overrides(RACE, overrides or {}), "race.yaml")


def booked_share(records: RunRecords, kind: str = "patient", group: str | None = None) -> float:
    """Share of the agents of ``kind`` (and ``group``) whose run ended ``booked``."""
    agents = records.agents
    mask = pc.equal(agents["kind"].cast(pa.string()), kind)
    if group is not None:
        mask = pc.and_(mask, pc.equal(agents["group"].cast(pa.string()), group))
    ids = agents.filter(mask)["agent"]
    if len(ids) == 0:
        return 0.0
    out = records.outcomes
    mine = out.filter(pc.is_in(out["agent"], value_set=ids))
    booked = pc.sum(pc.equal(mine["status"].cast(pa.string()), "booked").cast(pa.int64())).as_py()
    return booked / len(ids)
