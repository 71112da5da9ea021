"""The SimPy internals the driver relies on (sim/drivers/simpy_engine.py) still behave as it
assumes. A SimPy upgrade that changes them fails here, not silently in the records."""

from __future__ import annotations

import tomllib
from pathlib import Path

import simpy
from packaging.requirements import Requirement
from simpy.events import NORMAL, URGENT

from sim.drivers.simpy_engine import ReusableEvent, events_scheduled, scheduler

ROOT = Path(__file__).resolve().parents[3]


def test_the_installed_simpy_is_in_the_bounded_range() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if d.startswith("simpy")]
    assert req.specifier, "simpy must be bounded: the driver uses its internals"
    assert any(s.operator in ("<", "<=", "~=", "==") for s in req.specifier)
    assert req.specifier.contains(simpy.__version__)


def test_schedule_pushes_time_priority_counter_event_onto_the_heap() -> None:
    env = simpy.Environment(initial_time=5.0)
    ev = env.event()
    env.schedule(ev, NORMAL, 2.0)
    ((t, prio, eid, got),) = env._queue
    assert (t, prio, got) == (7.0, NORMAL, ev)
    assert isinstance(eid, int)
    assert next(env._eid) == eid + 1


def test_schedule_at_orders_ties_as_env_schedule_does() -> None:
    env = simpy.Environment()
    schedule_at = scheduler(env)
    seen: list[str] = []
    events = {name: ReusableEvent(env) for name in ("a", "b", "c", "d")}
    for name, ev in events.items():
        ev.callbacks = [lambda _ev, n=name: seen.append(n)]
    env.schedule(events["a"], NORMAL, 1.0)
    schedule_at(events["b"], 1.0)
    env.schedule(events["c"], NORMAL, 1.0)
    schedule_at(events["d"], 0.5)
    env.run()
    assert seen == ["d", "a", "b", "c"]  # by time, then in scheduling order


def test_a_reusable_event_runs_its_callbacks_each_time_it_is_scheduled() -> None:
    env = simpy.Environment()
    schedule_at = scheduler(env)
    ev = ReusableEvent(env)
    times: list[float] = []

    def again(e: simpy.Event) -> None:
        times.append(env.now)
        if len(times) < 3:
            e.callbacks = [again]
            schedule_at(e, env.now + 1.0)

    ev.callbacks = [again]
    schedule_at(ev, 0.0)
    env.run()
    assert times == [0.0, 1.0, 2.0]
    assert ev.ok and ev.value is None
    assert ev.callbacks is None  # step clears them: the driver sets them before each scheduling


def test_events_scheduled_counts_every_scheduling() -> None:
    env = simpy.Environment()
    before = events_scheduled(env)
    env.schedule(env.event(), URGENT, 0.0)
    scheduler(env)(env.event(), 0.0)
    assert events_scheduled(env) == before + 3  # two events and the peek itself
