"""``slotgrab bench sim``: how fast the simulator runs, and how much memory a big run takes.

Throughput: simulated requests per wall-clock second on one core for a scenario (default
``release-peak``), a request being one agent call through the modelled service — queue,
policy stack, ledger, request record — and its response. Reported end to end (population,
event loop, Arrow tables and the invariant check) and for the event loop alone, as medians of
several runs, beside a bare SimPy timeout loop measured in the same run (the ratio is what
survives a busy or different machine). Beside both, the skeleton (:mod:`sim.drivers.simpy_skeleton`):
the simulator's machinery with no model in it, given the scenario's agents and requests per
agent. It turns the ratio goal into a budget (``budget``: the CPU µs per request the model may
cost for the goal, and what it costs now). Runs alternate with the references so noise hits all.
Each figure is also given per CPU second of this process: on a shared machine the wall clock
counts time the core spent on other processes (``cpu_share`` says how much).

The simulator's hot path runs compiled by mypyc when ``make install`` could build it
(:mod:`sim.compiled`); ``compiled`` in the JSON says whether this run used the compiled build
(``SLOTGRAB_PURE_PYTHON=1`` measures the pure-Python sources instead). The reference is never
compiled: it is SimPy itself, as a user's own SimPy model would run.

Memory: peak resident set size of one run of the scenario scaled to ``agents`` agents
(default 200,000), measured in a fresh child process.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress

from sim.bench.measure import machine, peak_rss_in_child, pin_one_core, spread, write_json
from sim.cli.errors import user_errors
from sim.compiled import compiled_modules
from sim.drivers.simpy_driver import run_simulation
from sim.drivers.simpy_reference import timeout_rates
from sim.drivers.simpy_skeleton import skeleton_rates
from sim.scenario import Scenario, load_scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["MEMORY_GOAL_BYTES", "RATIO_GOAL", "THROUGHPUT_GOAL", "bench_sim", "register", "scaled_to"]

THROUGHPUT_GOAL = 250_000  # simulated requests per second, end to end (issue 15)
RATIO_GOAL = 0.6  # of the bare SimPy loop's timeouts per second, end to end (issue 15)
MEMORY_GOAL_BYTES = 2 * 2**30  # peak RSS of a 200,000-agent run
REFERENCE = {"processes": 10_000, "timeouts": 100}
PHASES = ("setup", "loop", "records")


def scaled_to(sc: Scenario, agents: int) -> Scenario:
    """``sc`` with its patient segments scaled (in proportion) so that patients plus bot lanes
    number ``agents``."""
    lanes = sum(b.devices * b.lanes for b in sc.bots)
    patients = max(agents - lanes, len(sc.patients))
    total = sc.patient_count or 1
    counts = [math.floor(p.count * patients / total) for p in sc.patients]
    counts[0] += patients - sum(counts)
    segs = tuple(p.model_copy(update={"count": n})
                 for p, n in zip(sc.patients, counts, strict=True))
    return sc.model_copy(update={"patients": segs, "name": f"{sc.name}-{agents}"})


def throughput_run(sc: Scenario, replication: int = 0) -> dict[str, float]:
    """One timed run: requests, agents, events, and wall and CPU seconds per phase."""
    gc.collect()
    timings: dict[str, float] = {}
    records = run_simulation(sc, replication, timings=timings)
    n = records.requests.num_rows
    wall = sum(timings[p] for p in PHASES)
    cpu = sum(timings[f"cpu_{p}"] for p in PHASES)
    return {"requests": n, "agents": records.agents.num_rows, "events": records.meta["events"],
            **{f"{p}_s": timings[p] for p in PHASES}, "total_s": wall, "cpu_s": cpu,
            "req_per_s": n / wall, "loop_req_per_s": n / timings["loop"],
            "req_per_cpu_s": n / cpu, "loop_req_per_cpu_s": n / timings["cpu_loop"]}


def memory_run(sc: Scenario) -> dict[str, Any]:
    """One full run (records and invariant check included), for the child process."""
    t0 = time.perf_counter()
    records = run_simulation(sc, 0)
    return {"agents": records.agents.num_rows, "requests": records.requests.num_rows,
            "wall_s": time.perf_counter() - t0}


def _ratio(num: list[float], den: list[float]) -> float:
    """Median of per-run ratios (each run's figure over the reference measured beside it)."""
    return float(statistics.median([a / b for a, b in zip(num, den, strict=True)]))


def _budget(sim_cpu: list[float], ref_cpu: list[float],
            skel_cpu: list[float]) -> dict[str, float]:
    """The ratio goal as a budget, in CPU µs per request (medians of per-run figures): what the
    model (queue, policies, ledger, agents' decisions and draws, setup and tables) may cost on
    top of the skeleton for the simulator to reach ``RATIO_GOAL`` of the bare loop, and what it
    costs now."""
    runs = list(zip(sim_cpu, ref_cpu, skel_cpu, strict=True))
    allowed = [1e6 / (RATIO_GOAL * ref) - 1e6 / skel for _, ref, skel in runs]
    now = [1e6 / sim - 1e6 / skel for sim, _, skel in runs]
    return {"model_us_per_request_allowed": statistics.median(allowed),
            "model_us_per_request_now": statistics.median(now),
            "skeleton_us_per_request": statistics.median(1e6 / s for s in skel_cpu)}


def _throughput(sc: Scenario, runs: int, tick: Callable[..., None]) -> dict[str, Any]:
    first = throughput_run(sc)  # warm-up: imports, policy registry, first allocations
    tick()
    # the skeleton gets the scenario's shape: as many agents, as many requests each
    shape = {"agents": int(first["agents"]),
             "requests_per_agent": max(round(first["requests"] / first["agents"]), 1)}
    sims, refs, skels = [], [], []
    for _ in range(runs):  # alternate, so a busy moment hits the simulator and the references
        sims.append(throughput_run(sc))
        tick()
        refs.append(timeout_rates(**REFERENCE))
        skels.append(skeleton_rates(**shape))
        tick()

    def col(key: str) -> list[float]:
        return [s[key] for s in sims]

    ref_wall, ref_cpu = [r[0] for r in refs], [r[1] for r in refs]
    skel_wall, skel_cpu = [r[0] for r in skels], [r[1] for r in skels]
    events_per_request = sims[0]["events"] / sims[0]["requests"]
    return {
        "agents": sims[0]["agents"],
        "requests_per_run": sims[0]["requests"],
        "simpy_events_per_request": events_per_request,
        # how much of the event loop SimPy's own scheduling would take at the reference's speed
        "simpy_share_of_loop": _ratio(col("loop_req_per_cpu_s"), ref_cpu) * events_per_request,
        # the share of the core this process got: well under 1 on a busy machine
        "cpu_share": statistics.median([s["cpu_s"] / s["total_s"] for s in sims]),
        "throughput": {
            "req_per_s": spread(col("req_per_s")),
            "loop_req_per_s": spread(col("loop_req_per_s")),
            "req_per_cpu_s": spread(col("req_per_cpu_s")),
            "loop_req_per_cpu_s": spread(col("loop_req_per_cpu_s")),
            "phases_s": {p: spread(col(f"{p}_s")) for p in PHASES},
        },
        "reference": {"what": "bare SimPy timeout loop", **REFERENCE,
                      "timeouts_per_s": spread(ref_wall), "timeouts_per_cpu_s": spread(ref_cpu)},
        "skeleton": {"what": "the simulator's machinery with no model (sim/drivers/simpy_skeleton.py)",
                     **shape, "req_per_s": spread(skel_wall), "req_per_cpu_s": spread(skel_cpu)},
        "budget": _budget(col("req_per_cpu_s"), ref_cpu, skel_cpu),
        "ratio": {
            "skeleton_over_timeouts_per_s": _ratio(skel_wall, ref_wall),
            "req_per_s_over_timeouts_per_s": _ratio(col("req_per_s"), ref_wall),
            "loop_req_per_s_over_timeouts_per_s": _ratio(col("loop_req_per_s"), ref_wall),
            "req_per_cpu_s_over_timeouts_per_cpu_s": _ratio(col("req_per_cpu_s"), ref_cpu),
        },
        "goals": {"req_per_s": THROUGHPUT_GOAL,
                  "req_per_s_met": statistics.median(col("req_per_s")) >= THROUGHPUT_GOAL,
                  "req_per_cpu_s_met":
                      statistics.median(col("req_per_cpu_s")) >= THROUGHPUT_GOAL,
                  "ratio": RATIO_GOAL,
                  "ratio_met": _ratio(col("req_per_s"), ref_wall) >= RATIO_GOAL},
    }


def _compiled() -> dict[str, Any]:
    """Whether the run used the mypyc-compiled hot path, module by module."""
    modules = compiled_modules()
    return {"all": bool(modules) and all(modules.values()), "modules": modules}


def _memory(sc: Scenario, agents: int) -> dict[str, Any]:
    run, rss = peak_rss_in_child(memory_run, scaled_to(sc, agents))
    return {**run, "peak_rss_bytes": rss, "peak_rss_gib": rss / 2**30,
            "goal_bytes": MEMORY_GOAL_BYTES, "met": rss < MEMORY_GOAL_BYTES}


def bench_sim(sc: Scenario, runs: int, agents: int,
              progress: Progress | None = None) -> dict[str, Any]:
    """Measure throughput (``runs`` runs) and, if ``agents`` > 0, peak memory; the JSON result."""
    facts = machine()  # before pinning: how many CPUs the machine offers
    cpu = pin_one_core()
    steps = 2 * runs + 1 + 2 * (agents > 0)
    task = progress.add_task(f"bench sim: {sc.name} × {runs} runs, SimPy reference",
                             total=steps) if progress is not None else None

    def tick(what: str | None = None) -> None:
        if progress is not None and task is not None:
            progress.update(task, advance=1, description=what)

    load_before = os.getloadavg()
    result: dict[str, Any] = {
        "benchmark": "sim",
        "scenario": sc.name,
        "policies": sc.policy_label,
        "pinned_cpu": cpu,
        "runs": runs,
        **_throughput(sc, runs, tick),
        "compiled": _compiled(),
        "machine": {**facts, "loadavg_1m_before_after": [load_before[0], os.getloadavg()[0]]},
    }
    if agents > 0:
        tick(f"bench sim: peak memory of {agents:,} agents (one run in a child process)")
        result["memory"] = _memory(sc, agents)
        tick()
    return result


def register(bench_app: typer.Typer) -> None:
    """Add ``bench sim`` to the ``bench`` sub-app."""

    @bench_app.command("sim")
    def sim_cmd(
        scenario: str = typer.Argument("release-peak", help="Scenario file or shipped name."),
        runs: int = typer.Option(5, "--runs", min=1, help="Timed runs (the median is reported)."),
        agents: int = typer.Option(200_000, "--agents", min=0,
                                   help="Agents in the memory run (0: skip it)."),
        set_: list[str] = typer.Option([], "--set", help="Override a scenario field, PATH=VALUE."),
        out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    ) -> None:
        """Simulated requests per second (one core, vs bare SimPy) and peak memory; JSON."""
        with user_errors():
            sc = load_scenario(scenario, parse_set_options(set_))
            with Progress(console=Console(stderr=True), transient=True) as progress:
                result = bench_sim(sc, runs, agents, progress)
            typer.echo(write_json(result, out))
