"""The SimPy driver: runs a population of agents against the modelled booking service.

Per call, two SimPy events: the request reaching the service (its start and finish are then
known, :mod:`sim.service.queueing`, and the operation is performed with the clock at its start)
and the answer reaching the client. Consecutive ``Wait`` actions are folded into the next
call's send time: agents learn time only from responses, so advancing a generator early is
unobservable and saves an event per wait.

Ties at the same instant are ordered on purpose: agents are started in a seeded random
permutation, so two agents arriving together reach the service in an order that is a fair coin
per seed, never the order in which the scenario listed them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import simpy
from simpy.events import Timeout

from sim.agents import script_for
from sim.agents.actions import Call, Outcome, Response, Wait
from sim.agents.population import AgentSpec, build_population
from sim.domain.invariants import check_invariants
from sim.domain.ledger import Ledger
from sim.policies.base import PolicyContext, Request
from sim.policies.stack import PolicyStack
from sim.policies.store import MemoryStore
from sim.records import EventLog, OutcomeLog, RequestLog, RunRecords
from sim.rng import Streams
from sim.scenario.model import Scenario
from sim.service.booking import BookingService, Reply
from sim.service.queueing import ServerQueue, ServiceTimes

__all__ = ["run_simulation"]

_BURDEN = {"captcha": 1, "queue": 2, "slow": 2}  # Wait reasons that count as patient burden


@dataclass(slots=True)
class _Run:
    """One running agent."""

    spec: AgentSpec
    gen: Any
    calls: int = 0
    burden: float = 0.0
    captcha: float = 0.0
    queued: float = 0.0


class _Driver:
    def __init__(self, sc: Scenario, replication: int) -> None:
        self.sc = sc
        self.streams = Streams(sc.seed, replication)
        self.env = simpy.Environment(initial_time=-sc.horizon.before_s)
        self.requests = RequestLog()
        self.outcomes = OutcomeLog()
        self.events = EventLog()
        self.store = MemoryStore()
        self.ledger = Ledger(self.events)
        self.stack = PolicyStack.build(sc.policies, self._policy_ctx)
        self.service = BookingService(sc, self.ledger, self.stack, self.store)
        self.queue = ServerQueue(sc.service.workers, sc.service.backlog, -sc.horizon.before_s)
        self.times = ServiceTimes(sc.service, self.streams.generator("service"))
        self.timeout_s = sc.service.timeout_s
        self.end = sc.horizon.after_s
        self.running: dict[int, _Run] = {}

    def _policy_ctx(self, index: int, name: str) -> PolicyContext:
        depts = {s.id: d.id for d in self.sc.supply.departments for s in d.sessions}
        dates = {s.id: s.date for d in self.sc.supply.departments for s in d.sessions}
        return PolicyContext(self.store, self.streams.generator(f"policy:{name}", index), self.ledger,
                             self.sc.release.hold_ttl_s, depts, dates)

    # ---- agents ----------------------------------------------------------------------------
    def start_all(self, agents: list[AgentSpec]) -> None:
        order = self.streams.generator("ties").permutation(len(agents))
        t0 = self.env.now
        for i in order:
            spec = agents[int(i)]
            ev = Timeout(self.env, max(spec.arrival - t0, 0.0), spec)
            ev.callbacks.append(self._start)

    def _start(self, event: Any) -> None:
        spec: AgentSpec = event.value
        gen = script_for(spec.role)(spec, self.streams.generator("agent", spec.agent))
        run = _Run(spec, gen)
        self.running[spec.agent] = run
        self._step(run, None, 0.0)

    def _step(self, run: _Run, resp: Response | None, delay: float) -> None:
        send = run.gen.send
        try:
            action = send(resp)
            while type(action) is Wait:
                d = action.seconds
                if d > 0:
                    delay += d
                    if action.reason in _BURDEN:
                        run.burden += d
                        if action.reason == "captcha":
                            run.captcha += d
                        else:
                            run.queued += d
                action = send(None)
        except StopIteration as stop:
            self._finish(run, stop.value, self.env.now + delay)
            return
        if type(action) is not Call:
            raise TypeError(f"agent {run.spec.agent} yielded {action!r}; agents yield Wait or Call")
        t_send = self.env.now + delay
        ev = Timeout(self.env, delay + run.spec.rtt / 2, (run, action, t_send))
        ev.callbacks.append(self._arrive)

    def _finish(self, run: _Run, outcome: Outcome, t: float) -> None:
        del self.running[run.spec.agent]
        booking = int(outcome.booking) if outcome.booking and outcome.booking.isdigit() else -1
        self.outcomes.append(run.spec.agent, outcome.status, t, run.calls, booking, run.burden,
                             run.captcha, run.queued)

    # ---- the service -----------------------------------------------------------------------
    def _arrive(self, event: Any) -> None:
        run, call, t_send = event.value
        now = self.env.now
        spec = run.spec
        args = call.args
        service_s = self.times.draw(call.op)
        start = self.queue.admit(now, service_s)
        if start is None:
            reply, done = Reply("overloaded"), now
        else:
            req = Request(call.op, args.get("account", spec.account), args.get("person", spec.person),
                          args.get("ip", spec.ip), args, spec.agent)
            reply = self.service.handle(req, start)
            if reply.code == "deferred":  # slow lane: re-enter the queue later, same send time
                nxt = dict(args, deferred=True)
                ev = Timeout(self.env, start - now + reply.delay_s, (run, Call(call.op, nxt), t_send))
                ev.callbacks.append(self._arrive)
                return
            done = start + service_s
        self._respond(run, call, t_send, now, start, done, reply)

    def _respond(self, run: _Run, call: Call, t_send: float, t_arrive: float, start: float | None,
                 done: float, reply: Reply) -> None:
        t_client = done + run.spec.rtt / 2
        code = reply.code
        if t_client - t_send > self.timeout_s:
            t_client, code = t_send + self.timeout_s, "timeout"
        run.calls += 1
        self.requests.append(run.spec.agent, call.op, t_send, t_send, t_arrive,
                             math.nan if start is None else start, t_client, code)
        resp = Response(code, reply.body if code == reply.code else {}, t_client, reply.retry_after)
        ev = Timeout(self.env, max(t_client - self.env.now, 0.0), (run, resp))
        ev.callbacks.append(self._answer)

    def _answer(self, event: Any) -> None:
        run, resp = event.value
        if run.spec.agent in self.running:
            self._step(run, resp, 0.0)

    # ---- the run ---------------------------------------------------------------------------
    def run(self) -> None:
        self.env.run(until=self.end)
        for run in list(self.running.values()):
            self._finish(run, Outcome("cut", detail="still running at the end of the horizon"), self.end)
        self.ledger.finish(self.end)


def run_simulation(sc: Scenario, replication: int = 0, *, check: bool = True) -> RunRecords:
    """Run one replication of ``sc`` under its policy stack; raise
    :class:`~sim.domain.invariants.InvariantViolation` if the ledger broke an invariant."""
    drv = _Driver(sc, replication)
    pop = build_population(sc, drv.streams)
    drv.start_all(pop.agents)
    drv.run()
    label = "+".join(p.label for p in sc.policies)
    stamp = {"scenario": sc.name, "policy": label, "seed": sc.seed, "rep": replication}
    bookings = drv.events.to_arrow(stamp)
    requests = drv.requests.to_arrow(stamp)
    capacities = {s.id: s.capacity for d in sc.supply.departments for s in d.sessions}
    if check:
        check_invariants(bookings, requests, capacities)
    meta = {**stamp, "kind": "simulate", "served": drv.queue.served, "rejected": drv.queue.rejected,
            "busy_s": drv.queue.busy_s, "workers": sc.service.workers,
            "window_s": sc.horizon.before_s + sc.horizon.after_s}
    return RunRecords(meta, pop.agent_log.to_arrow(stamp), pop.identity_log.to_arrow(stamp), requests,
                      bookings, drv.outcomes.to_arrow(stamp))
