"""The plan: from a scenario, every agent with its identities, traits and random stream.

The plan is a pure function of (scenario, replication): the SimPy driver runs all of it; a
Locust worker runs a shard of it and draws exactly the same numbers for the same agents,
because each agent's stream is addressed by its id (:mod:`sim.rng`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.agents.resale import market_for
from sim.agents.spec import AgentSpec
from sim.records import AgentLog, IdentityLog
from sim.rng import Streams
from sim.scenario.model import BotCrew, PatientSegment, Scenario

__all__ = ["AgentSpec", "Population", "build_population"]


@dataclass(slots=True)
class Population:
    """All agents of a run and their records (``agents`` and ``identities`` tables)."""

    agents: list[AgentSpec]
    agent_log: AgentLog
    identity_log: IdentityLog
    market: Any = None  # the resale market, if some crew sells and some patients buy


class _Ids:
    """Hands out consecutive integer ids per identity kind."""

    def __init__(self) -> None:
        self.next = {"account": 1, "person": 1, "ip": 1}

    def take(self, kind: str, n: int) -> np.ndarray:
        start = self.next[kind]
        self.next[kind] = start + n
        return np.arange(start, start + n, dtype=np.int64)


def _patients(sc: Scenario, seg: PatientSegment, index: int, streams: Streams, ids: _Ids, pop: Population) -> None:
    rng = streams.generator("population:patients", index)
    n = seg.count
    # who would buy from a scalper after failing: own stream, so other draws do not move
    buys = streams.generator("population:resale", index).random(n) < seg.resale_willing
    dept = sc.department_of(seg)
    session_ids = tuple(s.id for s in dept.sessions)
    arrival = seg.arrival_s.sample(rng, n)
    reaction = seg.reaction_s.sample(rng, n)
    rtt = seg.rtt_ms.sample(rng, n) / 1000.0
    first = rng.integers(0, len(session_ids), n)
    accounts, persons, ips = ids.take("account", n), ids.take("person", n), ids.take("ip", n)
    for i in range(n):
        k = int(first[i])
        prefs = session_ids[k:] + session_ids[:k]
        role = "buyer" if pop.market is not None and buys[i] else "patient"
        _add(pop, "patient", role, seg.segment, dept.id, prefs, (int(accounts[i]),),
             (int(persons[i]),), (int(ips[i]),), float(arrival[i]), float(reaction[i]),
             float(rtt[i]), seg)


def _bots(sc: Scenario, crew: BotCrew, index: int, streams: Streams, ids: _Ids, pop: Population) -> None:
    rng = streams.generator("population:bots", index)
    route_ids = crew.route or (sc.department_of(crew).id,)
    route = tuple((d, tuple(s.id for s in sc.supply.department(d).sessions)) for d in route_ids)
    dept, session_ids = route[0]
    accounts, persons, ips = ids.take("account", crew.accounts), ids.take("person", crew.persons), \
        ids.take("ip", crew.ips)
    owner = accounts[np.arange(crew.persons) % crew.accounts]  # person k is added to account k mod A
    first_agent = len(pop.agents)
    for p, a in zip(persons, owner, strict=True):
        pop.identity_log.append(int(p), int(a), "bot", crew.crew, first_agent)
    # per device: its concurrency and when its owner starts the plug-in (own stream: drawing
    # them never moves the lanes' RTTs)
    per_device = streams.generator("population:devices", index)
    spread = crew.lanes_spread
    device_lanes = np.maximum(per_device.integers(crew.lanes - spread, crew.lanes + spread + 1,
                                                  crew.devices), 1)
    device_start = crew.start_s + crew.start_jitter_s.sample(per_device, crew.devices)
    lanes = int(device_lanes.sum())
    rtt = crew.rtt_ms.sample(rng, lanes) / 1000.0
    lane = 0
    for device in range(crew.devices):
        for j in range(int(device_lanes[device])):
            mine = np.arange(lane, crew.persons, lanes) if crew.persons >= lanes else np.array([lane % crew.persons])
            lane_ips = ips[np.arange(lane, crew.ips, lanes)] if crew.ips >= lanes else ips[[lane % crew.ips]]
            # stagger lanes inside one firing interval so a device really fires at rate_per_s
            start = float(device_start[device]) + j / crew.rate_per_s
            _add(pop, "bot", "bot", crew.crew, dept, session_ids, tuple(int(a) for a in owner[mine]),
                 tuple(int(p) for p in persons[mine]), tuple(int(i) for i in lane_ips), start, 0.0,
                 float(rtt[lane]), crew, lanes=int(device_lanes[device]), crew_lanes=lanes, route=route)
            lane += 1


def _add(pop: Population, kind: str, role: str, group: str, dept: str, sessions: tuple[str, ...],
         accounts: tuple[int, ...], persons: tuple[int, ...], ips: tuple[int, ...], arrival: float,
         reaction: float, rtt: float, params: Any, **lane: Any) -> None:
    agent = len(pop.agents)
    pop.agents.append(AgentSpec(agent, kind, role, group, dept, sessions, accounts, persons, ips,
                                arrival, reaction, rtt, params, pop.market, **lane))
    pop.agent_log.append(agent, kind, group, role, dept, accounts[0], persons[0], ips[0], arrival, reaction, rtt)
    if kind == "patient":
        pop.identity_log.append(persons[0], accounts[0], kind, group, agent)


def build_population(sc: Scenario, streams: Streams) -> Population:
    """Patients of every segment, then every crew's lanes; ids are consecutive from 1."""
    pop = Population([], AgentLog(), IdentityLog(), market_for(sc.bots, sc.patients))
    ids = _Ids()
    for i, seg in enumerate(sc.patients):
        _patients(sc, seg, i, streams, ids, pop)
    for i, crew in enumerate(sc.bots):
        _bots(sc, crew, i, streams, ids, pop)
    return pop
