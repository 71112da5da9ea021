"""The simulator's machinery with no model in it: what one request costs before any modelling.

Each agent is a :class:`~sim.drivers.simpy_engine.ReusableEvent` re-scheduled on SimPy's heap
for every request, as in :mod:`sim.drivers.simpy_driver`. Its script yields a ``Wait`` and then
a ``Call`` (folded by :func:`~sim.drivers.stepping.next_action`, the function both drivers use),
the request writes its row to a :class:`~sim.records.RequestLog`, and the agent gets its
``Response`` at once. No queue, policy, ledger or agent decision, and no random draw: the waits
are drawn beforehand, as the bare reference's timeouts are (:mod:`sim.drivers.simpy_reference`).

``bench sim`` runs it beside the simulator and the bare loop, so a ratio goal against the bare
loop can be read as a budget: the skeleton's own ratio is the ceiling no model of this shape
reaches, and what is left between the two is what the queue, policies, ledger and agents may
cost. It is compiled with the hot path (:mod:`sim.compiled`), so that it costs what the
simulator's own machinery costs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.agents.actions import Call, Response, Wait
from sim.drivers.simpy_engine import ReusableEvent, Scheduler
from sim.drivers.stepping import Tally, next_action
from sim.records import RequestLog

__all__ = ["skeleton_rates", "skeleton_run"]

_RTT_S = 0.01  # client round trip; any constant does: no answer is ever late


def _script(waits: list[float]) -> Generator[Wait | Call, Response | None, None]:
    """An agent that thinks for each of ``waits`` seconds, then sends the same call again."""
    call = Call("list_sessions")
    for w in waits:
        yield Wait(w, "think")
        yield call


class _Agent(ReusableEvent):
    __slots__ = ("agent", "call", "costs", "gen", "t_send")

    def __init__(self, env: simpy.Environment, agent: int, waits: list[float]) -> None:
        super().__init__(env)
        self.agent = agent
        self.gen: Any = _script(waits)
        self.costs = Tally()
        self.call: Any = None
        self.t_send = 0.0


class _Skeleton:
    def __init__(self, env: simpy.Environment) -> None:
        self.clock = Scheduler(env)
        self.requests = RequestLog()
        self.record = self.requests.appenders()
        self.body: dict[str, Any] = {"sessions": []}
        self.on_start: list[Any] = [self.start]
        self.on_arrive: list[Any] = [self.arrive]

    def start(self, run: _Agent) -> None:
        self.advance(run, None, self.clock.now())

    def advance(self, run: _Agent, resp: Response | None, t: float) -> None:
        action, delay = next_action(run.gen, resp, run.costs, run.agent)
        if type(action) is not Call:
            return
        run.call = action
        run.t_send = t + delay
        run.callbacks = self.on_arrive
        self.clock.at(run, run.t_send + _RTT_S / 2)

    def arrive(self, run: _Agent) -> None:
        now = self.clock.now()
        t_client = now + _RTT_S / 2
        rec = self.record
        rec[0](run.agent)
        rec[1](run.call.op)
        rec[2](run.t_send)
        rec[3](run.t_send)
        rec[4](now)
        rec[5](now)
        rec[6](t_client)
        rec[7]("ok")
        self.advance(run, Response("ok", self.body, t_client), t_client)


def skeleton_run(waits: list[list[float]]) -> RequestLog:
    """Run one agent per row of ``waits`` (each wait followed by a request); their rows."""
    env = simpy.Environment()
    sk = _Skeleton(env)
    for i, row in enumerate(waits):
        run = _Agent(env, i, row)
        run.callbacks = sk.on_start
        sk.clock.at(run, 0.0)
    env.run()
    return sk.requests


def skeleton_rates(agents: int = 3_014, requests_per_agent: int = 23,
                   seed: int = 0) -> tuple[float, float]:
    """Requests per wall-clock second and per CPU second (agents' creation included); the
    defaults are release-peak's agents and requests per agent."""
    rng = np.random.default_rng(seed)
    waits = rng.exponential(1.0, (agents, requests_per_agent)).tolist()
    t0, c0 = time.perf_counter(), time.process_time()
    n = len(skeleton_run(waits))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / wall, n / max(cpu, math.ulp(1.0))
