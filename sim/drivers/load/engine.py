"""Playing agents for real: ``Wait`` is a gevent sleep, ``Call`` an HTTP request.

A :class:`ShardRun` holds one worker's shard of the plan. Locust users take agents from it in
order of planned start (:meth:`ShardRun.next_agent`) and play each to its end
(:meth:`ShardRun.play`). Times are seconds relative to T0 on the wall clock.

Network. With ``plan.emulate_rtt`` (the default) each call is delayed by half the agent's
round-trip time on the way out and half on the way back, as the simulator models it, so a
patient on a slow network is as slow against a loopback target as in the model; latency then
includes that emulated network time, as the simulator's does.

Honest timing. Every call has a *planned* send time — the agent's planned start, or the
instant it had its previous answer, plus the waits it yielded since — and an *actual* send
time. The agent sleeps until the planned time; if the generator is behind (the CPU is busy,
or no user was free when the agent was due) the request goes out late and the lateness is
recorded, never hidden by shifting the plan. Latency is then known both from the actual send
(what the server did) and from the planned send (what the patient felt: coordinated-omission
corrected).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
from gevent import monkey
from gevent.event import Event
from numpy.random import bit_generator

from sim.agents import script_for
from sim.agents.actions import Call, Outcome, Response
from sim.agents.spec import AgentSpec
from sim.drivers.adapter import Answer
from sim.drivers.hold_ids import hold_key
from sim.drivers.load.live_stats import LiveStats
from sim.drivers.load.plan import LoadPlan, window
from sim.drivers.load.stopping import ConnectionWatch
from sim.drivers.stepping import CUT, Tally, next_action, record_outcome
from sim.records import Columns, OutcomeLog, RequestLog

__all__ = ["Send", "ShardRun", "StartLog", "columns_from_message", "columns_to_message"]

Send = Callable[[Call], Answer]
"""Sends one call to the target and returns the answer (``network_error`` if none came)."""

_NAN = float("nan")
PREBUILT_AGENTS = 20_000
"""Agents (the first due) whose generator and random stream a shard builds when it is made,
before T0: ≈ 15 µs of CPU each that would otherwise fall in the release burst (≈ 1 KB each)."""


def _numpy_takes_c_locks() -> None:
    """Give the bit generators made from now on C locks again.

    numpy guards each bit generator with a lock made by ``numpy.random.bit_generator.RLock``,
    which is ``threading.RLock`` — and gevent's patching made that a pure-Python lock: ~1 µs
    per draw, ~8 % of the driver's CPU per request. A C lock is enough here: an agent's stream
    is drawn from by its own greenlet only, and a draw never yields to another greenlet.
    """
    bit_generator.RLock = monkey.get_original("_thread", "RLock")  # type: ignore[attr-defined]  # not in the stubs


class StartLog(Columns):
    """When each agent was planned to start and when a user really started it."""

    SCHEMA = (("agent", "q"), ("planned", "d"), ("started", "d"))


class ShardRun:
    """One worker's share of a load run: its agents, their start queue and their records."""

    def __init__(self, plan: LoadPlan, agents: list[AgentSpec], first: float | None = None) -> None:
        self.plan = plan
        self.streams = plan.streams()
        sc = plan.scenario
        start, self.end = window(sc, agents)
        self.first = start if first is None else first
        self.timeout_s = sc.service.timeout_s
        self.queue: deque[AgentSpec] = deque(sorted(agents, key=lambda a: a.arrival))
        self.size = len(agents)
        self.requests = RequestLog()
        self._record = self.requests.appenders()  # one per column: every request adds a row
        self.outcomes = OutcomeLog()
        self.starts = StartLog()
        self.acknowledged: list[int] = []
        self.acknowledged_to: list[int] = []  # the person each acknowledged hold is for
        self.errors: list[str] = []
        self.t0_wall = 0.0
        self.cpu_at_go: float | None = None  # this process's CPU time when the users were let go
        self.on_start: list[Callable[[float], None]] = []  # told T0 (the adapter's begin)
        self.go = Event()
        self.done = Event()
        self.finished = 0
        self.warmed = 0  # users whose connection is open (they sent the adapter's warm-up)
        self.watch = ConnectionWatch()
        self.stopped: str | None = None  # why the shard stopped early (None: it ran to the end)
        self.live: LiveStats | None = None  # running totals for a live view, if one watches
        _numpy_takes_c_locks()
        self._built: dict[int, Any] = {}  # agent → its generator, built ahead (see PREBUILT_AGENTS)
        for spec in itertools.islice(self.queue, PREBUILT_AGENTS):
            if spec.arrival <= self.end:
                self._built[spec.agent] = self._script(spec)
        if self.size == 0:
            self.done.set()

    # ---- the clock ----------------------------------------------------------------------
    def start(self, t0_wall: float) -> None:
        """Map T0 onto the wall clock (``time.time()`` seconds) and let the users play."""
        self.t0_wall = t0_wall
        for hook in self.on_start:
            hook(t0_wall)
        self.cpu_at_go = time.process_time()
        self.go.set()

    def now(self) -> float:
        """Seconds since T0."""
        return time.time() - self.t0_wall

    def sleep_until(self, t: float) -> None:
        """Sleep until scenario time ``t`` (returns at once if it has passed)."""
        delay = t - self.now()
        if delay > 0:
            gevent.sleep(delay)

    # ---- agents ---------------------------------------------------------------------------
    def next_agent(self) -> AgentSpec | None:
        """The next agent due to start, or None when the shard has no more (or has stopped)."""
        return self.queue.popleft() if self.queue and self.stopped is None else None

    def stop(self, reason: str) -> None:
        """End the shard early (target gone, Ctrl-C): start no more agents; the records so far
        are what the run keeps."""
        if self.stopped is None:
            self.stopped = reason
        self.done.set()

    def play(self, spec: AgentSpec, send: Send) -> None:
        """Run one agent from its planned start to its outcome (or the end of the horizon)."""
        try:
            if spec.arrival > self.end:  # the simulator never starts these either
                return
            planned = max(spec.arrival, self.first)
            # build the generator and its random stream before the start, not in the burst
            gen = self._built.pop(spec.agent, None)
            if gen is None:
                gen = self._script(spec)
            self.sleep_until(planned)
            self.starts.append(spec.agent, planned, self.now())
            tally = Tally()
            try:
                outcome, t_end = self._run(spec, gen, send, planned, tally)
            except Exception as exc:  # a broken adapter or target must not hang the run
                self.errors.append(f"agent {spec.agent}: {type(exc).__name__}: {exc}")
                outcome, t_end = Outcome("error", detail=str(exc)), self.now()
            record_outcome(self.outcomes, spec.agent, outcome, t_end, tally)
        finally:
            self.finished += 1
            if self.live is not None:
                self.live.agent_finished()
            if self.finished >= self.size:
                self.done.set()

    def _script(self, spec: AgentSpec) -> Any:
        """The agent's generator on its own random stream (not started)."""
        return script_for(spec.role)(spec, self.streams.generator("agent", spec.agent))

    def _run(
        self, spec: AgentSpec, gen: Any, send: Send, planned: float, tally: Tally
    ) -> tuple[Outcome, float]:
        resp: Response | None = None
        while True:
            action, delay = next_action(gen, resp, tally, spec.agent)
            planned += delay
            if type(action) is not Call:
                return action, min(planned, self.end)
            if planned > self.end:
                return CUT, self.end
            resp = self._call(spec, action, planned, send)
            tally.calls += 1
            planned = resp.t

    def _call(self, spec: AgentSpec, call: Call, planned: float, send: Send) -> Response:
        self.sleep_until(planned)
        t_sent = self.now()
        half_rtt = spec.rtt / 2 if self.plan.emulate_rtt else 0.0
        if half_rtt > 0:  # the agent's network, as the simulator models it: on the way there …
            gevent.sleep(half_rtt)
        answer = send(call)
        if self.watch.saw(answer.code):
            self.stop(self.watch.reason())
        if half_rtt > 0:  # … and back
            gevent.sleep(half_rtt)
        t_done = self.now()
        code = answer.code
        if code == "network_error" and t_done - t_sent >= 0.99 * self.timeout_s:
            code = "timeout"
        agent, op, t_planned, sent, arrive, start, done, status = self._record
        agent(spec.agent)
        op(call.op)
        t_planned(planned)
        sent(t_sent)
        arrive(_NAN)  # arrival at and start of service: the simulator's, not seen from outside
        start(_NAN)
        done(t_done)
        status(code)
        if self.live is not None:
            self.live.record(spec.role, call.op, planned, t_sent, t_done, code)
        if call.op == "confirm" and code == "ok":
            self.acknowledged.append(hold_key(call.args.get("hold")))
            self.acknowledged_to.append(_person_of(spec, call))
        return Response(
            code, answer.body if code == answer.code else {}, t_done, answer.retry_after
        )

    # ---- results ------------------------------------------------------------------------
    def progress(self) -> dict[str, int]:
        """Counts for a progress display."""
        return {"agents": self.size, "finished": self.finished, "requests": len(self.requests)}

    def to_message(self) -> dict[str, Any]:
        """The shard's records as plain lists (msgpack-safe), to send to the master."""
        return {
            "requests": columns_to_message(self.requests),
            "outcomes": columns_to_message(self.outcomes),
            "starts": columns_to_message(self.starts),
            "acknowledged": list(self.acknowledged),
            "acknowledged_to": list(self.acknowledged_to),
            "errors": self.errors[:20],
            "stopped": self.stopped,
            # what playing the shard cost this process (the generator's own cost per request)
            "cpu_s": time.process_time() - self.cpu_at_go if self.cpu_at_go is not None else 0.0,
        }


def _person_of(spec: AgentSpec, call: Call) -> int:
    """The person a call books for: its ``person`` argument, else the agent's own person."""
    person = call.args.get("person", spec.persons[0] if spec.persons else -1)
    return int(person) if isinstance(person, int) or str(person).lstrip("-").isdigit() else -1


def columns_to_message(log: Columns) -> dict[str, list[Any]]:
    """Column name → plain list."""
    return {name: list(log.column(name)) for name, _ in log.SCHEMA}


C = TypeVar("C", bound=Columns)


def columns_from_message(cls: type[C], messages: list[dict[str, list[Any]]]) -> C:
    """Columns of type ``cls`` holding the rows of several shards' messages, in order."""
    log = cls()
    names = [n for n, _ in cls.SCHEMA]
    for data in messages:
        for row in zip(*(data[n] for n in names), strict=True):
            log.append(*row)
    return log
