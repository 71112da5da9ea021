"""Playing agents with real sleeps: planned times fold the waits, late starts stay late.

The "target" here is the simulator's own BookingService called in-process, so these tests need
no network and no Locust (gevent only, without monkey-patching).
"""

from __future__ import annotations

import subprocess
import sys
import time

import gevent
import numpy as np

from sim.agents.actions import Call
from sim.domain.ledger import Ledger
from sim.drivers.adapter import Answer
from sim.drivers.load.engine import ShardRun
from sim.drivers.load.plan import LoadPlan
from sim.policies.base import PolicyContext, Request
from sim.policies.stack import PolicyStack
from sim.policies.store import MemoryStore
from sim.scenario.model import Scenario
from sim.service.booking import BookingService

SCENARIO = {
    "name": "engine-test",
    "seed": 2,
    "horizon": {"before_s": 1, "after_s": 3},
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 3}]}]},
    "patients": [
        {
            "segment": "m",
            "count": 6,
            "arrival_s": {"dist": "uniform", "low": 0.05, "high": 0.3},
            "retries": 1,
            "think_s": 0.05,
            "pay_s": 0.05,
            "reaction_s": {"dist": "const", "value": 0.02},
        }
    ],
}


def in_process_target(sc: Scenario, shard: ShardRun, delay_s: float = 0.0):  # type: ignore[no-untyped-def]
    store = MemoryStore()
    ledger = Ledger()
    rng = np.random.default_rng(0)

    def ctx(index: int, name: str) -> PolicyContext:
        return PolicyContext(store, rng, ledger, sc.release.hold_ttl_s, {"s1": "derm"}, {"s1": ""})

    service = BookingService(sc, ledger, PolicyStack.build(sc.policies, ctx), store)

    def send(call: Call) -> Answer:
        a = call.args
        reply = service.handle(Request(call.op, a["account"], a["person"], a["ip"], a), shard.now())
        if delay_s:
            gevent.sleep(delay_s)
        return Answer(reply.code, reply.body, reply.retry_after)

    return send


def play(users: int, delay_s: float = 0.0) -> ShardRun:
    sc = Scenario.model_validate(SCENARIO)
    plan = LoadPlan(sc, 0, "http://unused")
    shard = ShardRun(plan, plan.population().agents)
    send = in_process_target(sc, shard, delay_s)

    def user() -> None:
        while (spec := shard.next_agent()) is not None:
            shard.play(spec, send)

    shard.start(time.time() + 0.1)
    gevent.joinall([gevent.spawn(user) for _ in range(users)], timeout=10)
    assert shard.done.is_set()
    return shard


def test_planned_send_is_the_previous_answer_plus_the_waits() -> None:
    shard = play(users=6)
    r = shard.requests
    agents, ops = list(r.column("agent")), list(r.column("op"))
    planned, sent, done = (np.asarray(r.column(c)) for c in ("t_planned", "t_sent", "t_done"))
    assert np.all(sent >= planned - 1e-3) and np.all(done >= sent)
    for i in range(1, len(agents)):
        if agents[i] == agents[i - 1] and ops[i] == "hold":  # list_sessions → react 0.02 s → hold
            prev = i - 1
            assert abs(planned[i] - (done[prev] + 0.02)) < 1e-9
    assert len(shard.outcomes) == 6
    assert sorted(shard.acknowledged) == sorted(set(shard.acknowledged))


def test_a_busy_generator_starts_agents_late_and_records_it() -> None:
    shard = play(users=1, delay_s=0.05)  # one user, every answer takes 50 ms: agents queue up
    planned = np.asarray(shard.starts.column("planned"))
    started = np.asarray(shard.starts.column("started"))
    assert np.max(started - planned) > 0.1
    first_lag = {}
    for a, p, s in zip(
        shard.requests.column("agent"),
        shard.requests.column("t_planned"),
        shard.requests.column("t_sent"),
        strict=True,
    ):
        first_lag.setdefault(a, s - p)
    assert max(first_lag.values()) > 0.1  # the lateness shows in the request records too


_PATCHED_SHARD = r"""
import locust  # gevent's monkey-patching, as in a load run
import numpy as np
from sim.drivers.load.engine import ShardRun
from sim.drivers.load.plan import LoadPlan
from sim.scenario.model import Scenario
before = type(np.random.default_rng(1).bit_generator.lock).__module__
sc = Scenario.model_validate(%r)
plan = LoadPlan(sc, 0, "http://127.0.0.1:9", "reference", {}, True, {})
ShardRun(plan, plan.population().agents)
after = type(np.random.default_rng(1).bit_generator.lock)
print(before, after.__module__, after.__name__)
"""


def test_agent_streams_get_c_locks_again_under_gevents_patching() -> None:
    """numpy's per-generator lock becomes a pure-Python lock once gevent patches threading;
    a shard restores the C lock for the streams it builds (see engine._numpy_takes_c_locks)."""
    out = subprocess.run([sys.executable, "-c", _PATCHED_SHARD % (SCENARIO,)], capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out[0] == "threading"  # the patched lock: what the shard has to undo
    assert out[1:] == ["_thread", "RLock"]
