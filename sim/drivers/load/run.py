"""A whole load run: spawn Locust users (locally or on workers), share T0, collect the records.

``processes == 1``: one Locust ``LocalRunner`` in this process plays the whole plan.
``processes >= 2``: this process is a Locust master (bound to 127.0.0.1 on a free port) and
starts that many Locust workers (``locust -f locustfile.py --worker``) on this machine; each
gets a shard of the plan. ``processes == 0`` starts none and waits for ``expect_workers``
started elsewhere (see the README: workers on other machines).

T0 is chosen only after every user has been spawned and has opened its connection (the
adapter's warm-up request), so neither spawning nor TCP set-up eats into the plan; the first
agent is due ``lead_s`` after that.
"""

from __future__ import annotations

from sim.drivers.load.locustfile import AgentUser, attach_shard, locust  # first: gevent patching

# isort: split

import contextlib
import logging
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_RUNNING, MasterRunner, Runner

from sim.drivers.load import locustfile
from sim.drivers.load.engine import ShardRun, StartLog, columns_from_message
from sim.drivers.load.live_stats import Watch
from sim.drivers.load.plan import LoadPlan, window
from sim.drivers.load.stopping import INTERRUPTED
from sim.drivers.load.web_ui import start_web_ui, stop_web_ui
from sim.records import OutcomeLog, RequestLog

__all__ = ["LoadError", "LoadResult", "LoadStopped", "Progress", "run_load"]

# seconds from choosing T0 to the first agent being due: the one default of every caller
LEAD_S = 1.5

Progress = Callable[[dict[str, int]], None]
"""Called about 4 times a second with ``agents``, ``finished`` and ``requests`` counts."""


_WARM_TIMEOUT_S = 120.0


class LoadError(RuntimeError):
    """The load run could not be carried out (workers did not connect, run did not finish)."""


class LoadStopped(LoadError):
    """The run stopped before T0 (Ctrl-C, or the target gone): nothing was gathered."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason} before T0; nothing was gathered")
        self.reason = reason


_GRACE_S = 15.0  # after a stop, how long the master waits for the workers' records


@dataclass
class LoadResult:
    """What the generator recorded (the target's truth is fetched separately)."""

    plan: LoadPlan
    t0_wall: float
    requests: RequestLog
    outcomes: OutcomeLog
    starts: StartLog
    acknowledged: list[int]
    errors: list[str]
    processes: int
    users: int
    wall_s: float
    acknowledged_to: list[int] = field(default_factory=list)  # person of each acknowledged hold
    stopped: str | None = None  # why the run stopped early; None: it ran to the end
    cpu_s: list[float] = field(default_factory=list)  # CPU seconds each process spent playing

    def acknowledged_persons(self) -> dict[int, int]:
        """Acknowledged hold → the person it was acknowledged to (-1 if unknown)."""
        persons = self.acknowledged_to + [-1] * (len(self.acknowledged) - len(self.acknowledged_to))
        return dict(zip(self.acknowledged, persons, strict=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(
    cond: Callable[[], bool], timeout: float, what: str, tick: Callable[[], None] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise LoadError(f"timed out after {timeout:.0f} s waiting for {what}")
        if tick is not None:
            tick()
        gevent.sleep(0.05)


class _QuietFastSpawn(logging.Filter):
    """Drop Locust's warning about spawn rates above 100/s: we spawn every user before T0 on
    purpose, and lateness caused by spawning would show as lag anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "spawn rate is very high" not in record.getMessage()


def _spawn_users(runner: Runner, users: int) -> None:
    for name in ("locust.runners", "locust.main", "locust"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QuietFastSpawn) for f in logger.filters):
            logger.addFilter(_QuietFastSpawn())
    runner.start(users, spawn_rate=max(users, 1))
    _wait(lambda: runner.state == STATE_RUNNING, 60 + users / 500, "Locust to spawn the users")


def _deadline(plan: LoadPlan, first: float, lead_s: float) -> float:
    sc = plan.scenario
    return lead_s + (sc.horizon.after_s - first) + sc.service.timeout_s + 30.0


def _choose_t0(first: float, lead_s: float, on_t0: Callable[[float], None] | None) -> float:
    """T0 on the wall clock: the first agent is due ``lead_s`` from now; tell the target.

    If telling the target took so long that the first agent would be late (a target's first
    load can import a lot), choose again: the second load is quick."""
    for _ in range(3):
        t0 = time.time() + lead_s - first
        if on_t0 is None:
            return t0
        on_t0(t0)
        if time.time() < t0 + first - 0.25 * lead_s:
            return t0
    return t0


def _start_watch(env: Environment, watch: Watch | None) -> None:
    if watch is not None and watch.web_ui_port is not None:
        watch.stats.urls["web UI"] = start_web_ui(env, watch.web_ui_port)


def _web_ui_watches(watch: Watch | None) -> bool:
    """Whether Locust's web UI shows this run (then Locust's own request statistics are fed)."""
    return watch is not None and watch.web_ui_port is not None


def _watch_t0(watch: Watch | None, t0: float) -> None:
    if watch is not None:
        watch.stats.t0_wall = t0


def _run_local(
    plan: LoadPlan,
    users: int,
    lead_s: float,
    progress: Progress | None,
    on_t0: Callable[[float], None] | None,
    watch: Watch | None = None,
) -> tuple[list[dict[str, Any]], float]:
    agents = plan.population().agents
    first, _ = window(plan.scenario, agents)
    shard = ShardRun(plan, agents, first=first)
    shard.live = watch.stats if watch is not None else None
    env = Environment(user_classes=[AgentUser], events=locust.events)
    attach_shard(env, plan, shard, _web_ui_watches(watch))
    runner = env.create_local_runner()
    try:
        try:
            _start_watch(env, watch)
            _spawn_users(runner, users)
            _wait(lambda: shard.warmed >= users, _WARM_TIMEOUT_S, "the users to open their connections")
            t0 = _choose_t0(first, lead_s, on_t0)
            _watch_t0(watch, t0)
        except KeyboardInterrupt:
            raise LoadStopped(INTERRUPTED) from None
        shard.start(t0)
        try:
            _wait(
                shard.done.is_set,
                _deadline(plan, first, lead_s),
                "the agents to finish",
                (lambda: progress(shard.progress())) if progress else None,
            )
        except KeyboardInterrupt:
            shard.stop(INTERRUPTED)
        if progress:
            progress(shard.progress())
    finally:
        runner.quit()
        stop_web_ui(env)
    return [shard.to_message()], t0


class _Master:
    """The master's side of the protocol in :mod:`sim.drivers.load.locustfile`."""

    def __init__(self, runner: MasterRunner) -> None:
        self.runner = runner
        self.ready: dict[int, int] = {}
        self.progress: dict[int, dict[str, int]] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.warmed: dict[int, int] = {}
        self.stopped: str | None = None
        self.watch: Watch | None = None
        self.hello: set[str] = set()  # workers whose slotgrab handlers are registered
        runner.register_message("slotgrab_hello", self._on_hello)
        runner.register_message("slotgrab_ready", self._on_ready)
        runner.register_message("slotgrab_live", self._on_live)
        runner.register_message("slotgrab_warm", self._on_warm)
        runner.register_message("slotgrab_progress", self._on_progress)
        runner.register_message("slotgrab_records", self._on_records)

    def _on_hello(self, environment: Environment, msg: Any, **_: Any) -> None:
        # a worker connects (Locust's client_ready) before its init event registers our
        # handlers: a plan sent on client_ready alone can reach a worker that drops it
        self.hello.add(str(msg.node_id))

    def _on_ready(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.ready[int(msg.data["index"])] = int(msg.data["agents"])

    def _on_warm(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.warmed[int(msg.data["index"])] = int(msg.data["warmed"])

    def _on_live(self, environment: Environment, msg: Any, **_: Any) -> None:
        if self.watch is not None:
            self.watch.stats.merge(msg.data)

    def _on_progress(self, environment: Environment, msg: Any, **_: Any) -> None:
        data = dict(msg.data)
        self.progress[int(data.pop("index"))] = data

    def _on_records(self, environment: Environment, msg: Any, **_: Any) -> None:
        data = dict(msg.data)
        self.records[int(data.pop("index"))] = data
        if data.get("stopped") and self.stopped is None:
            self.stop(str(data["stopped"]))

    def stop(self, reason: str) -> None:
        """Tell every worker to stop its shard and send what it gathered."""
        self.stopped = reason
        self.runner.send_message("slotgrab_stop", {"reason": reason})

    def totals(self, agents: int) -> dict[str, int]:
        done = [self.progress.get(i, {}) for i in self.ready]
        for i, rec in self.records.items():
            done[list(self.ready).index(i)] = {
                "finished": self.ready[i],
                "requests": len(rec["requests"]["agent"]),
            }
        return {
            "agents": agents,
            "finished": sum(d.get("finished", 0) for d in done),
            "requests": sum(d.get("requests", 0) for d in done),
        }


class _Workers:
    """Locust workers started on this machine (``locust -f locustfile.py --worker``); their
    stderr goes to temporary files so a failing worker can say why."""

    def __init__(self, n: int, port: int) -> None:
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            locustfile.__file__,
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(port),
            "--loglevel",
            "WARNING",
        ]
        self.logs = [tempfile.TemporaryFile() for _ in range(n)]  # noqa: SIM115 -- closed in stop()
        # a session of their own: Ctrl-C reaches only the master, which stops them in order
        self.procs = [
            subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
            for log in self.logs
        ]

    def stderr_tail(self) -> str:
        """The last lines each worker wrote to stderr."""
        out = []
        for i, log in enumerate(self.logs):
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()[-8:]
            if lines:
                out.append(f"worker {i}:\n  " + "\n  ".join(lines))
        return "\n".join(out)

    def stop(self) -> None:
        """Wait for the workers (the master told them to quit); kill any that hang."""
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()


def _run_distributed(
    plan: LoadPlan,
    processes: int,
    expect_workers: int,
    users: int,
    lead_s: float,
    progress: Progress | None,
    on_t0: Callable[[float], None] | None,
    bind: str,
    port: int,
    watch: Watch | None = None,
) -> tuple[list[dict[str, Any]], float]:
    agents = plan.population().agents
    first, _ = window(plan.scenario, agents)
    n = processes or expect_workers
    env = Environment(user_classes=[AgentUser], events=locust.events)
    port = port or _free_port()
    runner = env.create_master_runner(master_bind_host=bind, master_bind_port=port)
    master = _Master(runner)
    master.watch = watch
    workers = _Workers(processes, port)
    try:
        _start_watch(env, watch)
        _wait(
            lambda: len(master.hello) >= n,
            60 if processes else 600,
            f"{n} Locust worker(s)",
        )
        message = plan.to_message()
        for index, client_id in enumerate(sorted(master.hello)[:n]):
            runner.send_message(
                "slotgrab_plan",
                {"plan": message, "shards": n, "index": index, "first": first,
                 "live": watch is not None, "locust_stats": _web_ui_watches(watch)},
                client_id=client_id,
            )
        _wait(lambda: len(master.ready) >= n, 120, "the workers to build their shards")
        _spawn_users(runner, users)
        _wait(
            lambda: sum(master.warmed.values()) >= users,
            _WARM_TIMEOUT_S,
            "the users to open their connections",
        )
        t0 = _choose_t0(first, lead_s, on_t0)
        _watch_t0(watch, t0)
        runner.send_message("slotgrab_go", {"t0_wall": t0})
        _collect(master, n, _deadline(plan, first, lead_s),
                 (lambda: progress(master.totals(len(agents)))) if progress else None)
        if progress:
            progress(master.totals(len(agents)))
    except KeyboardInterrupt:
        raise LoadStopped(INTERRUPTED) from None
    except LoadError as exc:
        tail = workers.stderr_tail()
        raise LoadError(f"{exc}" + (f"\n{tail}" if tail else "")) from None
    finally:
        runner.quit()
        workers.stop()
        stop_web_ui(env)
    records = [master.records[i] for i in sorted(master.records)]
    if master.stopped is not None:
        if not records:
            raise LoadStopped(master.stopped)
        for rec in records:  # a worker that had finished still belongs to a stopped run
            rec["stopped"] = rec.get("stopped") or master.stopped
    return records, t0


def _collect(master: _Master, n: int, deadline_s: float, tick: Callable[[], None] | None) -> None:
    """Wait for every worker's records; after a stop (a worker found the target dead, or
    Ctrl-C here) wait only a grace period for the rest, and keep what came."""
    try:
        _wait(lambda: len(master.records) >= n or master.stopped is not None, deadline_s,
              "the workers' records", tick)
    except KeyboardInterrupt:
        master.stop(INTERRUPTED)
    if master.stopped is None:
        return
    with contextlib.suppress(LoadError, KeyboardInterrupt):
        _wait(lambda: len(master.records) >= n, _GRACE_S, "the stopped workers' records", tick)


def run_load(
    plan: LoadPlan,
    *,
    processes: int = 1,
    expect_workers: int = 0,
    users: int | None = None,
    lead_s: float = LEAD_S,
    progress: Progress | None = None,
    on_t0: Callable[[float], None] | None = None,
    master_bind: str = "127.0.0.1",
    master_port: int = 0,
    watch: Watch | None = None,
) -> LoadResult:
    """Play the whole plan against ``plan.base_url`` and return the generator's records.

    ``users`` Locust users in all (default: one per agent, so no agent ever waits for a free
    user; fewer users make a closed-ish generator, and the waiting shows as lag). ``on_t0`` is
    called with T0 (Unix seconds) once it is chosen, before any agent starts. ``watch``: keep
    running totals in ``watch.stats`` and serve Locust's web UI if it asks for one."""
    n_agents = plan.scenario.patient_count + sum(c.devices * c.lanes for c in plan.scenario.bots)
    users = users or max(n_agents, 1)
    started = time.time()
    if processes == 1 and not expect_workers:
        messages, t0 = _run_local(plan, users, lead_s, progress, on_t0, watch)
    else:
        messages, t0 = _run_distributed(
            plan,
            processes,
            expect_workers,
            users,
            lead_s,
            progress,
            on_t0,
            master_bind,
            master_port,
            watch,
        )
    return LoadResult(
        plan,
        t0,
        requests=columns_from_message(RequestLog, [m["requests"] for m in messages]),
        outcomes=columns_from_message(OutcomeLog, [m["outcomes"] for m in messages]),
        starts=columns_from_message(StartLog, [m["starts"] for m in messages]),
        acknowledged=[h for m in messages for h in m["acknowledged"]],
        acknowledged_to=[p for m in messages for p in m.get("acknowledged_to", [-1] * len(m["acknowledged"]))],
        stopped=next((str(m["stopped"]) for m in messages if m.get("stopped")), None),
        errors=[e for m in messages for e in m.get("errors", [])],
        cpu_s=[float(m.get("cpu_s", 0.0)) for m in messages],
        processes=max(processes, expect_workers),
        users=users,
        wall_s=time.time() - started,
    )
