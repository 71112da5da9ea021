"""The plan of a load run: who starts when, and which worker runs whom.

The plan is the simulator's population (:func:`sim.agents.population.build_population`) for
one (scenario, replication). Every worker rebuilds it from the scenario it is sent, keeps its
shard, and gives each agent the random stream ``Streams.generator("agent", id)`` — the very
stream the SimPy driver gives it — so a sharded load run plays exactly the agents the
simulator plays.

Time: scenario seconds are relative to T0; a run maps T0 onto the wall clock (``t0_wall``,
``time.time()`` seconds, the same for all workers). The run begins at the earliest planned
arrival (never before ``-horizon.before_s``) and ends at ``horizon.after_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.agents.population import Population, build_population
from sim.agents.spec import AgentSpec
from sim.rng import Streams
from sim.scenario.model import Scenario

__all__ = ["LoadPlan", "accounts_of", "shard_of", "window"]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Everything a worker needs to play its shard: sent to workers as a plain dict."""

    scenario: Scenario
    replication: int
    base_url: str
    adapter: str | None = None
    adapter_state: dict[str, Any] = field(default_factory=dict)
    emulate_rtt: bool = True  # delay each call by the agent's round-trip time, as the model does
    adapter_options: dict[str, str] = field(default_factory=dict)  # --adapter-opt KEY=VALUE

    def streams(self) -> Streams:
        """The replication's named random streams."""
        return Streams(self.scenario.seed, self.replication)

    def population(self) -> Population:
        """The whole population (agents, identities), as the simulator builds it."""
        return build_population(self.scenario, self.streams())

    def to_message(self) -> dict[str, Any]:
        """A msgpack/JSON-safe dict (the scenario as its validated data)."""
        return {
            "scenario": self.scenario.model_dump(mode="json", by_alias=True),
            "replication": self.replication,
            "base_url": self.base_url,
            "adapter": self.adapter,
            "adapter_state": self.adapter_state,
            "emulate_rtt": self.emulate_rtt,
            "adapter_options": self.adapter_options,
        }

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> LoadPlan:
        """The inverse of :meth:`to_message`."""
        return cls(
            Scenario.model_validate(data["scenario"]),
            int(data["replication"]),
            str(data["base_url"]),
            data.get("adapter"),
            dict(data.get("adapter_state") or {}),
            bool(data.get("emulate_rtt", True)),
            {str(k): str(v) for k, v in (data.get("adapter_options") or {}).items()},
        )


def accounts_of(population: Population) -> dict[int, list[int]]:
    """Every account of the plan and the persons it acts for (what a target must provision)."""
    cols = population.identity_log
    out: dict[int, list[int]] = {}
    for person, account in zip(cols.column("person"), cols.column("account"), strict=True):
        out.setdefault(int(account), []).append(int(person))
    return out


def window(sc: Scenario, agents: list[AgentSpec]) -> tuple[float, float]:
    """(first, end) in scenario seconds: the earliest start worth waiting for, and the horizon."""
    first = min((a.arrival for a in agents), default=0.0)
    return max(first, -sc.horizon.before_s), sc.horizon.after_s


def shard_of(agents: list[AgentSpec], streams: Streams, shards: int, index: int) -> list[AgentSpec]:
    """Shard ``index`` of ``shards``: agents dealt round-robin in order of planned start (ties in
    the simulator's seeded order), so every worker gets an equal share of every instant."""
    if not 0 <= index < shards:
        raise ValueError(f"shard index {index} not in 0..{shards - 1}")
    ties = streams.generator("ties").permutation(len(agents))
    rank = np.empty(len(agents), dtype=np.int64)
    rank[ties] = np.arange(len(agents))
    arrival = np.array([a.arrival for a in agents], dtype=float)
    order = np.lexsort((rank, arrival))
    return [agents[int(i)] for i in order[index::shards]]
