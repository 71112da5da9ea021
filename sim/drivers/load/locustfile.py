"""The Locust side of a load run: the user that plays agents, and the worker's messages.

This is the only module of slotgrab that imports locust, and it imports it first: locust
monkey-patches the standard library for gevent on import, which must happen before sockets
or threads are used. It is also a locustfile, so workers on other machines are plain Locust
workers::

    locust -f $(python -c 'import sim.drivers.load.locustfile as m; print(m.__file__)') \\
        --worker --master-host 10.0.0.5 --master-port 5557

Protocol (Locust custom messages, master → worker unless noted):

- worker → master ``slotgrab_hello`` ``{}`` once its handlers are registered (Locust's own
  ``client_ready`` comes earlier, before the locustfile's init event);
- ``slotgrab_plan`` ``{plan, shards, index, first, live, locust_stats}``: build the population,
  keep shard ``index`` of ``shards`` (``live``: keep running totals for the master's live view;
  ``locust_stats``: feed Locust's request statistics, which its web UI shows); the worker
  answers ``slotgrab_ready`` ``{index, agents}``;
- then the master starts the users (Locust spawns them); each opens its connection with the
  adapter's warm-up request and the worker reports ``slotgrab_warm`` ``{index, warmed}``;
- when every user is warm, the master sends ``slotgrab_go`` ``{t0_wall}``: T0 on the wall
  clock, the same for every worker;
- workers send ``slotgrab_progress`` and (if ``live``) ``slotgrab_live`` (the answers since the
  last one, for the live view) every half second, and ``slotgrab_records`` (their records)
  when every agent of their shard has ended, or when their shard stopped early (the target
  is gone; or ``slotgrab_stop`` ``{reason}`` from the master, on Ctrl-C or another worker's stop).
"""

from __future__ import annotations

import locust  # first import: gevent monkey-patching

# isort: split

import inspect
import sys
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import User, constant, events, task
from locust.env import Environment
from locust.exception import CatchResponseError, StopUser
from locust.runners import WorkerRunner

from sim.agents.actions import Call
from sim.drivers.adapter import Answer, HttpRequest, TargetAdapter, begin_run
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.load.connection import HttpConnection
from sim.drivers.load.engine import ShardRun
from sim.drivers.load.json_body import decode_body, encode_body
from sim.drivers.load.live_stats import LiveStats
from sim.drivers.load.plan import LoadPlan, shard_of

__all__ = ["AgentUser", "attach_shard", "locust"]

_SHARD = "slotgrab_shard"
_ADAPTER = "slotgrab_adapter"
_LOCUST_STATS = "slotgrab_locust_stats"
PROGRESS_EVERY_S = 0.5


class AgentUser(User):
    """A Locust user that plays agents of its process's shard, one agent generator at a time,
    taking the next one due whenever it is free (open model: a free user never waits for an
    answer to start the next agent; a busy process shows up as lag).

    Each user has one kept-alive connection (:class:`HttpConnection`, as one patient's browser
    has) and sends what the adapter builds on it directly: the engine records every request,
    so Locust's per-request event and statistics are fed only when Locust's web UI shows them."""

    host = "http://127.0.0.1"  # the plan sets the target
    wait_time = constant(0)
    network_timeout = 60.0  # seconds; the plan sets the scenario's service timeout
    connection_timeout = 60.0

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        url = urlsplit(self.host)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"the load driver speaks http:// and https://, not {self.host!r}")
        tls = url.scheme == "https"
        self.conn = HttpConnection(
            url.hostname, url.port or (443 if tls else 80), self.connection_timeout,
            self.network_timeout, tls,
        )
        self.locust_stats: bool = getattr(environment, _LOCUST_STATS, False)

    def on_start(self) -> None:
        """Open this user's connection before T0 with the adapter's warm-up request."""
        shard: ShardRun = getattr(self.environment, _SHARD)
        adapter: TargetAdapter = getattr(self.environment, _ADAPTER)
        req = adapter.warmup_request()
        if req is not None:
            self._exchange(req)  # a failed warm-up only means the first call connects itself
        shard.warmed += 1

    def on_stop(self) -> None:
        """Close the connection."""
        self.conn.close()

    @task
    def play_agents(self) -> None:
        """Play agents until the shard has none left; then idle until the run ends."""
        shard: ShardRun = getattr(self.environment, _SHARD)
        adapter: TargetAdapter = getattr(self.environment, _ADAPTER)
        answer = _answerer(adapter)
        shard.go.wait()

        def send(call: Call) -> Answer:
            req = adapter.request(call.op, call.args)
            if req.local is not None:  # an op the target does not have, answered by the adapter
                return req.local
            status, body, headers = self._exchange(req)
            return answer(call.op, req, status, body, headers)

        while (spec := shard.next_agent()) is not None:
            shard.play(spec, send)
        shard.done.wait()
        raise StopUser()

    def _exchange(self, req: HttpRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Send ``req`` (its JSON body encoded compactly, in the same write as the headers):
        the status (0: no answer), the decoded JSON body and the lower-case headers."""
        headers = req.headers
        body = None
        if req.json is not None:
            body = encode_body(req.json)
            headers = {**headers, "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            raw = self.conn.request(req.method, req.path, headers, body)
        except (OSError, ValueError, zlib.error) as exc:  # no answer: a network error
            if self.locust_stats:
                self._tell_locust(req, started, 0, exc)
            return 0, {}, {}
        status = raw.status
        try:
            data = decode_body(raw.body) if raw.body else {}
        except ValueError:
            data = {}
        if self.locust_stats:
            failed = status >= 500  # 409 sold out etc. are answers of the domain, not failures
            self._tell_locust(req, started, len(raw.body), CatchResponseError(f"HTTP {status}") if failed else None)
        return status, data if isinstance(data, dict) else {"data": data}, raw.headers

    def _tell_locust(self, req: HttpRequest, started: float, length: int, exc: Exception | None) -> None:
        """Locust's request event, for its web UI's charts and tables."""
        self.environment.events.request.fire(
            request_type=req.method,
            name=req.name or req.path,
            response_time=(time.perf_counter() - started) * 1e3,
            response_length=length,
            exception=exc,
            context={},
            response=None,
        )


def _answerer(adapter: TargetAdapter) -> Callable[[str, HttpRequest, int, dict[str, Any], dict[str, str]], Answer]:
    """``answer_with_context`` with its signature question asked once per user, not per call."""
    try:
        params = inspect.signature(adapter.answer).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    if "request" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return lambda op, req, status, body, headers: adapter.answer(  # type: ignore[call-arg]
            op, status, body, headers, request=req
        )
    return lambda op, req, status, body, headers: adapter.answer(op, status, body, headers)


def attach_shard(
    environment: Environment, plan: LoadPlan, shard: ShardRun, locust_stats: bool = False
) -> None:
    """Make ``shard`` the one this process's users play, against ``plan``'s target;
    ``locust_stats``: also feed Locust's request statistics (its web UI shows them)."""
    AgentUser.host = plan.base_url
    AgentUser.network_timeout = plan.scenario.service.timeout_s
    AgentUser.connection_timeout = plan.scenario.service.timeout_s
    adapter = load_adapter(plan.adapter, plan.adapter_options)
    adapter.bind(plan.adapter_state)
    shard.on_start.append(lambda t0: begin_run(adapter, plan.scenario, t0, plan.replication))
    setattr(environment, _ADAPTER, adapter)
    setattr(environment, _SHARD, shard)
    setattr(environment, _LOCUST_STATS, locust_stats)


# ---- worker side -----------------------------------------------------------------------------
def _on_plan(environment: Environment, msg: Any, **_: Any) -> None:
    data = msg.data
    plan = LoadPlan.from_message(data["plan"])
    agents = plan.population().agents
    mine = shard_of(agents, plan.streams(), int(data["shards"]), int(data["index"]))
    shard = ShardRun(plan, mine, first=float(data["first"]))
    if data.get("live", True):  # rows go to the master's live view (slotgrab_live)
        shard.live = LiveStats()
    attach_shard(environment, plan, shard, bool(data.get("locust_stats", False)))
    assert environment.runner is not None
    environment.runner.send_message("slotgrab_ready", {"index": data["index"], "agents": len(mine)})
    gevent.spawn(_report_warm, environment, shard)


def _report_warm(environment: Environment, shard: ShardRun) -> None:
    runner = environment.runner
    assert runner is not None
    sent = -1
    while not shard.go.is_set():
        if shard.warmed != sent:
            sent = shard.warmed
            runner.send_message(
                "slotgrab_warm", {"index": getattr(runner, "worker_index", 0), "warmed": sent}
            )
        gevent.sleep(0.05)


def _on_go(environment: Environment, msg: Any, **_: Any) -> None:
    shard: ShardRun = getattr(environment, _SHARD)
    shard.start(float(msg.data["t0_wall"]))
    gevent.spawn(_report, environment, shard)


def _report(environment: Environment, shard: ShardRun) -> None:
    runner = environment.runner
    assert runner is not None
    index = getattr(runner, "worker_index", 0)
    while not shard.done.wait(timeout=PROGRESS_EVERY_S):
        runner.send_message("slotgrab_progress", {"index": index, **shard.progress()})
        _send_live(runner, shard)
    _send_live(runner, shard)
    runner.send_message("slotgrab_records", {"index": index, **shard.to_message()})


def _on_stop(environment: Environment, msg: Any, **_: Any) -> None:
    shard: ShardRun | None = getattr(environment, _SHARD, None)
    if shard is not None:  # the shard sends what it gathered (see _report)
        shard.stop(str(msg.data["reason"]))


def _send_live(runner: Any, shard: ShardRun) -> None:
    if shard.live is not None:
        runner.send_message("slotgrab_live", shard.live.drain())


REFUSAL = (
    "this locustfile only runs as a worker of `slotgrab load` (it needs the master's plan): "
    "run `slotgrab load SCENARIO [--processes N] [--web-ui]`, or "
    "`locust -f locustfile.py --worker --master-host HOST` for `slotgrab load --processes 0`"
)


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message("slotgrab_plan", _on_plan)
        environment.runner.register_message("slotgrab_go", _on_go)
        environment.runner.register_message("slotgrab_stop", _on_stop)
        environment.runner.send_message("slotgrab_hello", {})  # now the plan can come
        return
    # `locust -f locustfile.py` on its own (the init event fires only from locust's command
    # line, never in slotgrab's library use): without a plan the users have nothing to play
    sys.stderr.write(f"slotgrab: {REFUSAL}\n")
    sys.exit(2)
