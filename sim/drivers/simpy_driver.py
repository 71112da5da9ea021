"""The SimPy driver: runs a population of agents against the modelled booking service.

One SimPy event per request: the request reaching the service. Its start and finish are then
known (:mod:`sim.service.queueing`), the operation is performed with the clock at its start,
and the answer — stamped with the time it reaches the client — is handed to the agent at once,
which runs on to its next call. Agents learn time only from the ``t`` on responses, so running
a generator ahead of the simulated clock is unobservable; it saves the event for the answer and
one per ``Wait`` (consecutive waits fold into the next call's send time). An answer that would
reach the client after the horizon is never delivered: the agent ends "cut" at the horizon.

Each agent is itself the SimPy event that wakes it, re-scheduled for each of its requests: no
event object, callback list or payload tuple is allocated per request. That uses SimPy
internals, all of them in :mod:`sim.drivers.simpy_engine`.

Ties at the same instant are ordered on purpose: agents are scheduled in a seeded random
permutation, so two agents arriving together reach the service in an order that is a fair coin
per seed, never the order in which the scenario listed them.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import simpy

from sim.agents import script_for
from sim.agents.actions import Call, Outcome, Response
from sim.agents.population import Population, build_population
from sim.agents.spec import AgentSpec
from sim.domain.invariants import check_invariants
from sim.domain.ledger import Ledger
from sim.drivers.simpy_engine import ReusableEvent, Scheduler, events_scheduled
from sim.drivers.stepping import CUT, next_action, record_outcome
from sim.policies.base import Request
from sim.policies.store import MemoryStore
from sim.records import EventLog, OutcomeLog, RequestLog, RunRecords
from sim.rng import Streams
from sim.scenario.model import Scenario
from sim.service.assembly import build_service
from sim.service.booking import Reply
from sim.service.queueing import BIN_S, ServerQueue, ServiceTimes

__all__ = ["run_simulation"]

_OVERLOADED: Final = Reply("overloaded")


def _request_builder() -> Callable[..., Request]:
    """``Request(op, account, person, ip, args, agent)``, built for the hot path.

    ``Request`` is a frozen slots dataclass: its ``__init__`` sets each field through
    ``object.__setattr__``, about half of what building it costs. Setting the slots through
    their descriptors gives the same frozen, equal object in half the time. Should the fields
    ever change, the plain constructor is used (tests/sim/drivers checks both agree).
    """
    names = ("op", "account", "person", "ip", "args", "agent")
    if tuple(f.name for f in dataclasses.fields(Request)) != names or not all(
            hasattr(Request.__dict__.get(n), "__set__") for n in names):
        return Request
    new = object.__new__
    s_op, s_account, s_person, s_ip, s_args, s_agent = (Request.__dict__[n].__set__ for n in names)

    def build(op: str, account: int, person: int, ip: int, args: dict[str, Any],
              agent: int) -> Request:
        req = new(Request)
        s_op(req, op)
        s_account(req, account)
        s_person(req, person)
        s_ip(req, ip)
        s_args(req, args)
        s_agent(req, agent)
        return req

    return build


make_request = _request_builder()


class _Run(ReusableEvent):
    """One running agent, and the event that wakes it: at its start, then at each request's
    arrival at the service (``call`` sent at ``t_send``)."""

    __slots__ = (
        "burden",
        "call",
        "calls",
        "captcha",
        "gen",
        "half_rtt",
        "queued",
        "request",
        "request_of",
        "spec",
        "t_send",
    )

    def __init__(self, env: simpy.Environment, spec: AgentSpec) -> None:
        super().__init__(env)
        self.spec = spec
        self.half_rtt = spec.rtt / 2
        self.gen: Any = None
        self.call: Call | None = None
        # the Request last built for this agent, and the Call it was built from: a patient
        # polling the session list sends the same Call again and again (never mutated)
        self.request: Request | None = None
        self.request_of: Call | None = None
        self.t_send = 0.0
        self.calls = 0
        self.burden = 0.0
        self.captcha = 0.0
        self.queued = 0.0


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
        self.service = build_service(sc, self.streams, self.ledger, self.store)
        self.queue = ServerQueue(sc.service.workers, sc.service.backlog, -sc.horizon.before_s)
        self.times = ServiceTimes(sc.service, self.streams.generator("service"))
        self.timeout_s = sc.service.timeout_s
        self.end = sc.horizon.after_s
        self.running: dict[int, _Run] = {}
        self._scripts: dict[str, Any] = {}  # role → agent script
        # shared, never-mutated callback lists: SimPy only iterates over them
        self._on_start: list[Callable[[Any], None]] = [self._start]
        self._on_arrive: list[Callable[[Any], None]] = [self._arrive]
        self._record = self.requests.appenders()
        self._clock = Scheduler(self.env)  # the clock and the heap, for every request

    # ---- agents ----------------------------------------------------------------------------
    def start_all(self, agents: list[AgentSpec]) -> None:
        """Schedule every agent's start, in the seeded tie-breaking order."""
        order = self.streams.generator("ties").permutation(len(agents))
        env, t0, on_start = self.env, self._clock.now(), self._on_start
        for i in order.tolist():
            spec = agents[i]
            run = _Run(env, spec)
            run.callbacks = on_start
            # env.schedule(run, NORMAL, delay), which adds the delay to the clock just so
            self._clock.at(run, t0 + max(spec.arrival - t0, 0.0))

    def _start(self, run: _Run) -> None:
        spec = run.spec
        script = self._scripts.get(spec.role)
        if script is None:
            script = self._scripts[spec.role] = script_for(spec.role)
        run.gen = script(spec, self.streams.generator("agent", spec.agent))
        self.running[spec.agent] = run
        now = self._clock.now()
        self._advance(run, None, now, now)

    def _advance(self, run: _Run, resp: Response | None, t: float, now: float) -> None:
        """Hand ``resp`` (received at client time ``t``) to the agent and schedule its next
        call's arrival, or record how it ended (``now``: the simulated clock)."""
        action, delay = next_action(run.gen, resp, run, run.spec.agent)
        if type(action) is not Call:
            self._finish(run, action, t + delay)
            return
        run.call = action
        run.t_send = t + delay
        self._wake(run, run.t_send + run.half_rtt, now)

    def _wake(self, run: _Run, at: float, now: float) -> None:
        """Schedule the agent's next arrival at ``at`` — never in the past: a client that
        timed out on a deferred request learns it only now. (``env.schedule``, inlined.)"""
        run.callbacks = self._on_arrive
        self._clock.at(run, at if at > now else now)

    def _finish(self, run: _Run, outcome: Outcome, t: float) -> None:
        del self.running[run.spec.agent]
        record_outcome(self.outcomes, run.spec.agent, outcome, t, run)

    # ---- the service -----------------------------------------------------------------------
    def _arrive(self, run: _Run) -> None:
        """A request reaches the service: queue, policies and ledger, then the answer."""
        now = self._clock.now()
        call = run.call
        assert call is not None
        service_s = self.times.draw(call.op)
        start = self.queue.admit(now, service_s)
        if start is None:
            reply, done = _OVERLOADED, now
        else:
            req = run.request
            if req is None or run.request_of is not call:
                req = self._request(run, call)
            reply = self.service.handle(req, start)
            if reply.code == "deferred":  # slow lane: re-enter the queue later, same send time
                run.call = Call(call.op, dict(call.args, deferred=True))
                self._wake(run, start + reply.delay_s, now)
                return
            done = start + service_s
        self._respond(run, call, now, start, done, reply)

    def _request(self, run: _Run, call: Call) -> Request:
        """The policies' view of ``call`` from ``run``'s agent (kept for the agent's next call)."""
        spec = run.spec
        args = call.args
        req = make_request(
            call.op,
            args.get("account", spec.accounts[0]),
            args.get("person", spec.persons[0]),
            args.get("ip", spec.ips[0]),
            args,
            spec.agent,
        )
        run.request, run.request_of = req, call
        return req

    def _respond(
        self, run: _Run, call: Call, t_arrive: float, start: float | None, done: float, reply: Reply
    ) -> None:
        t_send = run.t_send
        t_client = done + run.half_rtt
        code = reply.code
        if t_client - t_send > self.timeout_s:
            t_client, code = t_send + self.timeout_s, "timeout"
        run.calls += 1
        rec = self._record
        rec[0](run.spec.agent)
        rec[1](call.op)
        rec[2](t_send)
        rec[3](t_send)
        rec[4](t_arrive)
        rec[5](math.nan if start is None else start)
        rec[6](t_client)
        rec[7](code)
        if t_client < self.end:  # an answer after the horizon is never read: the agent is cut
            body = reply.body if code == reply.code else {}
            self._advance(run, Response(code, body, t_client, reply.retry_after), t_client,
                          t_arrive)

    # ---- the run ---------------------------------------------------------------------------
    def events_scheduled(self) -> int:
        """SimPy events scheduled so far (agent starts, request arrivals, the horizon's end)."""
        return events_scheduled(self.env)

    def run(self) -> None:
        with _collector_paused():
            self.env.run(until=self.end)
        for run in list(self.running.values()):
            self._finish(run, CUT, self.end)
        self.ledger.finish(self.end)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it runs): the event loop allocates millions of
    short-lived objects, and the collections they trigger traversed every agent's generator
    again and again (~4 % of the loop). The loop makes no reference cycles that need freeing
    before it ends; reference counting frees its garbage as it goes."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def run_simulation(
    sc: Scenario,
    replication: int = 0,
    *,
    check: bool = True,
    timings: dict[str, float] | None = None,
) -> RunRecords:
    """Run one replication of ``sc`` under its policy stack; raise
    :class:`~sim.domain.invariants.InvariantViolation` if the ledger broke an invariant.

    If ``timings`` is given it is filled with wall seconds per phase (``setup``: population and
    driver, ``loop``: the event loop, ``records``: Arrow tables and the invariant check), and
    with this process's CPU seconds per phase (``cpu_setup`` …)."""
    clock, cpu = time.perf_counter, time.process_time
    t0, c0 = clock(), cpu()
    drv = _Driver(sc, replication)
    pop: Population = build_population(sc, drv.streams)
    drv.start_all(pop.agents)
    t1, c1 = clock(), cpu()
    drv.run()
    t2, c2 = clock(), cpu()
    label = sc.policy_label
    stamp = {"scenario": sc.name, "policy": label, "seed": sc.seed, "rep": replication}
    bookings = drv.events.to_arrow(stamp)
    requests = drv.requests.to_arrow(stamp)
    capacities = sc.capacities
    if check:
        check_invariants(bookings, requests, capacities)
    meta = {
        **stamp,
        "kind": "simulate",
        "served": drv.queue.served,
        "rejected": drv.queue.rejected,
        "busy_s": drv.queue.busy_s,
        "busy_by_bin": {str(k): v for k, v in sorted(drv.queue.busy_by_bin.items())},
        "busy_bin_s": BIN_S,
        "workers": sc.service.workers,
        "window_s": sc.horizon.before_s + sc.horizon.after_s,
        "events": drv.events_scheduled(),
    }
    records = RunRecords(
        meta,
        pop.agent_log.to_arrow(stamp),
        pop.identity_log.to_arrow(stamp),
        requests,
        bookings,
        drv.outcomes.to_arrow(stamp),
    )
    if timings is not None:
        t3, c3 = clock(), cpu()
        timings.update(setup=t1 - t0, loop=t2 - t1, records=t3 - t2,
                       cpu_setup=c1 - c0, cpu_loop=c2 - c1, cpu_records=c3 - c2)
    return records
