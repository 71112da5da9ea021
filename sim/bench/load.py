"""``slotgrab bench load``: how punctually and how fast the load driver sends.

Against one reference service started for the benchmark (SQLite, 127.0.0.1):

- **punctuality**: 2,000 agents each plan one request inside the release second (arrivals
  uniform in [0, 1) s; their next step falls after the horizon, so each sends exactly one
  request). Reported: p50/p99 of |actual − planned send| for 1 and 2 Locust processes (goal:
  p99 ≤ 50 ms with 2), medians over ``--repeats`` runs;
- **throughput**: 64 users play 4,000 agents all due at T0 (a closed loop over 64 kept-alive
  connections); requests/s per process = requests / (last answer − first send) / processes;
- **reference**: ``wrk -t1 -c64`` on the same endpoint (``POST /v1/ops/list_sessions``),
  cycling through the same 4,000 accounts with the same body, in the same run, so the ratio
  survives a different machine;
- **what limits them**: the generator's CPU per request (the driver's processes from T0 to
  their records; wrk's own CPU time) and the share of a core the service was busy while each
  ran. With the service busy all the time, requests/s measure the service, not the generator:
  then the CPU per request is the driver's figure (``driver_vs_wrk_cpu_1proc``: wrk's CPU per
  request over the driver's, both against the same saturated service).

Everything shares the machine's cores with the service, as a co-located load test does.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil  # comes with locust
import typer
from rich.console import Console
from rich.table import Table

from sim.bench.measure import machine, spread, write_json
from sim.cli.console import wide_console
from sim.drivers.adapter import ReferenceAdapter
from sim.drivers.load.target import started_target
from sim.drivers.load.timing import histogram_of
from sim.scenario.model import Scenario

__all__ = ["LAG_GOAL_MS", "bench_load", "register"]

LAG_GOAL_MS = 50.0
BURST = 2_000
THROUGHPUT_AGENTS = 4_000
THROUGHPUT_USERS = 64


def _scenario(agents: int, arrival: dict[str, Any], after_s: float) -> Any:
    return Scenario.model_validate(
        {
            "name": "bench-load",
            "seed": 1,
            "replications": 1,
            "horizon": {"before_s": 1, "after_s": after_s},
            "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 30}]}]},
            # one request each: the reaction after listing the sessions outlasts the horizon
            "patients": [
                {
                    "segment": "bench",
                    "count": agents,
                    "arrival_s": arrival,
                    "reaction_s": {"dist": "const", "value": 60},
                    "retries": 0,
                    "rtt_ms": 0,  # no emulated network: measure the driver, not the model
                }
            ],
        }
    )


def _abs_lag_ms(report: Any) -> dict[str, float]:
    req = report.records.requests
    lag = np.abs(np.asarray(req.column("t_sent")) - np.asarray(req.column("t_planned")))
    h = histogram_of(lag)
    return {
        "requests": float(len(lag)),
        "p50_ms": h.get_value_at_percentile(50) / 1000.0,
        "p99_ms": h.get_value_at_percentile(99) / 1000.0,
        "max_ms": h.get_max_value() / 1000.0,
    }


def _span(report: Any) -> float:
    req = report.records.requests
    return float(np.max(req.column("t_done"))) - float(np.min(req.column("t_sent")))


def _rps(report: Any, processes: int) -> float:
    return len(report.records.requests) / _span(report) / processes


def _driver_cpu(report: Any, processes: int) -> dict[str, float]:
    """The generator processes' CPU: µs per request, and the share of a core each was busy."""
    cpu = sum(report.result.cpu_s)
    return {
        "us_per_request": 1e6 * cpu / len(report.records.requests),
        "core_share": cpu / _span(report) / processes,
    }


class _ServiceMeter:
    """CPU seconds of the service this benchmark started (its process and its children)."""

    def __init__(self, pid: int | None) -> None:
        self.proc = psutil.Process(pid) if pid is not None else None

    def cpu_s(self) -> float:
        if self.proc is None:
            return float("nan")
        total = 0.0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system
        return total


class _BusyDuringPlay:
    """The service's CPU while the agents' requests flow, sampled on the load run's progress
    ticks (every 50 ms in a one-process run) from the first tick that saw requests to the last
    before every agent had finished: its core share and its CPU µs per request."""

    def __init__(self, meter: _ServiceMeter) -> None:
        self.meter = meter
        self.first: tuple[float, float, int] | None = None
        self.last: tuple[float, float, int] | None = None

    def tick(self, counts: dict[str, int]) -> None:
        """A progress callback of :func:`load_run`."""
        if counts["requests"] == 0 or (self.last is not None and counts["finished"] >= counts["agents"]):
            return
        now = (time.perf_counter(), self.meter.cpu_s(), counts["requests"])
        self.first = self.first or now
        self.last = now

    def figures(self) -> dict[str, float]:
        """``service_core_share`` and ``service_cpu_us_per_request`` (NaN if too short)."""
        if self.first is None or self.last is None or self.last[2] <= self.first[2]:
            return {"service_core_share": float("nan"), "service_cpu_us_per_request": float("nan")}
        cpu = self.last[1] - self.first[1]
        return {
            "service_core_share": cpu / (self.last[0] - self.first[0]),
            "service_cpu_us_per_request": 1e6 * cpu / (self.last[2] - self.first[2]),
        }


def _wrk_script(tokens: dict[str, str]) -> str:
    """A wrk script that sends what the driver's agents send: each request as the next of the
    plan's accounts (its token, its person, its IP), same body."""
    ids = sorted(tokens, key=int)
    table = ",".join(f'"{tokens[a]}"' for a in ids)
    persons = ",".join(ids)
    return (
        f"tokens = {{{table}}}\npersons = {{{persons}}}\ncounter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local i = (counter % #tokens) + 1\n"
        '  local body = \'{"department":"derm","person":\' .. persons[i] .. "}"\n'
        '  return wrk.format("POST", "/v1/ops/list_sessions", {["Content-Type"]="application/json",\n'
        '    ["Authorization"]="Bearer " .. tokens[i], ["X-Client-IP"]=tostring(persons[i])}, body)\n'
        "end\n"
    )


def _wrk(base_url: str, tokens: dict[str, str], seconds: int, meter: _ServiceMeter) -> dict[str, float]:
    """wrk's requests/s on ``POST /v1/ops/list_sessions`` over 64 connections, cycling through
    the plan's accounts; its CPU µs per request and the service's core share meanwhile."""
    script = _wrk_script(tokens)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    service, started = meter.cpu_s(), time.perf_counter()
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                "-c64",
                f"-d{seconds}s",
                "-s",
                f.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
    finally:
        Path(f.name).unlink(missing_ok=True)
    wall, service = time.perf_counter() - started, meter.cpu_s() - service
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped meanwhile
    wrk_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    n = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m is None or n is None or non2xx is not None:
        raise RuntimeError(f"wrk failed or got errors:\n{out}")
    return {
        "rps": float(m.group(1)),
        "cpu_us_per_request": 1e6 * wrk_cpu / int(n.group(1)),
        "service_core_share": service / wall,
        "service_cpu_us_per_request": 1e6 * service / int(n.group(1)),
    }


def bench_load(repeats: int = 3, wrk_seconds: int = 5, progress: Any = None) -> dict[str, Any]:
    """Run the benchmark; a JSON-ready result."""
    from sim.drivers.load.harness import load_run  # imports locust: gevent patching first

    load_before = os.getloadavg()[0]  # other work on the machine skews every figure: say so
    burst = _scenario(BURST, {"dist": "uniform", "low": 0.0, "high": 1.0}, 1.0)
    flood = _scenario(THROUGHPUT_AGENTS, {"dist": "const", "value": 0.0}, 5.0)
    lag: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    rps: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    busy: list[dict[str, float]] = []  # the service's CPU during the one-process throughput runs
    wrk: list[dict[str, float]] = []
    with started_target("reference") as target:
        meter = _ServiceMeter(target.pid)
        adapter = ReferenceAdapter()
        with httpx.Client(base_url=target.base_url, timeout=30) as client:
            accounts = {i: [i] for i in range(1, THROUGHPUT_AGENTS + 1)}  # the flood's patients
            tokens = adapter.prepare(client, target.admin_token, accounts)["tokens"]
        for i in range(repeats):
            for procs in (1, 2):
                lag[procs].append(_abs_lag_ms(load_run(burst, target, processes=procs)))
                watch = _BusyDuringPlay(meter)
                run = load_run(flood, target, processes=procs, users=THROUGHPUT_USERS, progress=watch.tick)
                rps[procs].append(_rps(run, procs))
                cpu[procs].append(_driver_cpu(run, procs))
                if procs == 1:
                    busy.append(watch.figures())
                if progress:
                    progress(f"run {i + 1}/{repeats}, {procs} process(es)")
            if shutil.which("wrk"):
                with httpx.Client(base_url=target.base_url, timeout=30) as client:
                    adapter.load(client, target.admin_token, burst, time.time() - 1, 0)
                wrk.append(_wrk(target.base_url, tokens, wrk_seconds, meter))
    result: dict[str, Any] = {
        "benchmark": "load",
        "machine": machine(),
        "repeats": repeats,
        "load_average_1min_before_after": [load_before, os.getloadavg()[0]],
        "burst_requests": BURST,
        "goal_lag_p99_ms_2proc": LAG_GOAL_MS,
    }
    for procs in (1, 2):
        result[f"lag_{procs}proc"] = {
            k: spread([r[k] for r in lag[procs]]) for k in ("p50_ms", "p99_ms", "max_ms")
        }
        result[f"rps_per_process_{procs}proc"] = spread(rps[procs])
        for key in ("us_per_request", "core_share"):
            result[f"driver_cpu_{key}_{procs}proc"] = spread([c[key] for c in cpu[procs]])
    for key in ("service_core_share", "service_cpu_us_per_request"):
        result[f"{key}_during_driver_1proc"] = spread([b[key] for b in busy])
    result["wrk_rps"] = spread([w["rps"] for w in wrk]) if wrk else None
    if wrk:
        result["wrk_cpu_us_per_request"] = spread([w["cpu_us_per_request"] for w in wrk])
        for key in ("service_core_share", "service_cpu_us_per_request"):
            result[f"{key}_during_wrk"] = spread([w[key] for w in wrk])
        result["driver_vs_wrk_1proc"] = (
            result["rps_per_process_1proc"]["median"] / result["wrk_rps"]["median"]
        )
        result["driver_vs_wrk_cpu_1proc"] = (
            result["wrk_cpu_us_per_request"]["median"]
            / result["driver_cpu_us_per_request_1proc"]["median"]
        )
    result["goal_met"] = result["lag_2proc"]["p99_ms"]["median"] <= LAG_GOAL_MS
    return result


def _table(r: dict[str, Any]) -> Table:
    t = Table(
        title=f"load driver: {r['burst_requests']} requests in the release second "
        f"(medians of {r['repeats']})",
        title_justify="left",
    )
    cols = ("", "|sent−planned| p50 ms", "p99 ms", "max ms", "req/s per process",
            "CPU µs/request", "service busy, µs/request")
    for col in cols:
        t.add_column(col, justify="right" if col else "left")
    for procs in (1, 2):
        lag = r[f"lag_{procs}proc"]
        service = _service_cell(r, "driver_1proc") if procs == 1 else ""
        t.add_row(
            f"Locust driver, {procs} process(es)",
            f"{lag['p50_ms']['median']:.1f}",
            f"{lag['p99_ms']['median']:.1f}",
            f"{lag['max_ms']['median']:.1f}",
            f"{r[f'rps_per_process_{procs}proc']['median']:,.0f}",
            f"{r[f'driver_cpu_us_per_request_{procs}proc']['median']:.0f}",
            service,
        )
    if r.get("wrk_rps"):
        t.add_row("wrk -t1 -c64 (same endpoint)", "", "", "", f"{r['wrk_rps']['median']:,.0f}",
                  f"{r['wrk_cpu_us_per_request']['median']:.0f}",
                  _service_cell(r, "wrk"))
    return t


def _service_cell(r: dict[str, Any], during: str) -> str:
    share = r[f"service_core_share_during_{during}"]["median"]
    per_request = r[f"service_cpu_us_per_request_during_{during}"]["median"]
    return f"{share:.0%}, {per_request:.0f}"


def register(bench_app: typer.Typer) -> None:
    """Add ``slotgrab bench load``."""

    @bench_app.command("load")
    def load_cmd(
        repeats: int = typer.Option(3, "--repeats", min=1, max=20, help="Runs per configuration."),
        wrk_seconds: int = typer.Option(
            5, "--wrk-seconds", min=1, max=60, help="Duration of each wrk run."
        ),
        out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    ) -> None:
        """Punctuality (|actual − planned|) of 2,000 requests in the release second with 1 and 2
        Locust processes, and the driver's requests/s per process beside wrk."""
        # locust monkey-patches threading: import it before rich starts its refresh thread
        import sim.drivers.load.harness  # noqa: F401  (locust, gevent)

        err = Console(stderr=True)
        with err.status("benchmarking the load driver …") as status:
            result = bench_load(
                repeats, wrk_seconds, lambda msg: status.update(f"load driver: {msg}")
            )
        console = wide_console()
        console.print(_table(result))
        goal = "met" if result["goal_met"] else "NOT met"
        console.print(
            f"goal p99 ≤ {LAG_GOAL_MS:.0f} ms with 2 processes: {goal} "
            f"(1-min load average before/after: "
            f"{result['load_average_1min_before_after'][0]:.1f}/"
            f"{result['load_average_1min_before_after'][1]:.1f} on "
            f"{result['machine']['cpus_available']} CPUs)"
        )
        if result.get("wrk_rps"):
            console.print(
                f"driver / wrk: {result['driver_vs_wrk_1proc']:.2f}× the requests/s with the "
                f"service busy {result['service_core_share_during_driver_1proc']['median']:.0%} / "
                f"{result['service_core_share_during_wrk']['median']:.0%} of a core; "
                f"{result['driver_vs_wrk_cpu_1proc']:.2f}× wrk's CPU efficiency (wrk's CPU per "
                "request over the driver's)"
            )
        typer.echo(write_json(result, out))
