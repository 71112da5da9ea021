"""One load run end to end: provision the target, play the plan, fetch the truth, judge it.

Steps: build the plan's population; provision its accounts on the target (adapter
``prepare``); spawn the Locust users; choose T0 and install the scenario on the target with
that T0 (adapter ``load``); play; export the target's booking events; assemble records in the
simulator's schema; compute the simulator's metrics, the timing histograms and the invariants.
"""

from __future__ import annotations

from sim.drivers.load.run import LEAD_S, LoadResult, Progress, run_load  # first: locust's gevent patching

# isort: split

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pyarrow as pa

from sim.domain.invariants import Violation
from sim.drivers.adapter import TargetError, prepare_with_scenario
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.adapter_spec import adapter_spec
from sim.drivers.load.live_stats import Watch
from sim.drivers.load.plan import LoadPlan, accounts_of
from sim.drivers.load.stopping import TargetDown, check_listening
from sim.drivers.load.target import Target
from sim.drivers.load.timing import timing_summary
from sim.drivers.load.truth import event_log_of, hold_id_table, judge, metrics_of
from sim.records import RunRecords
from sim.scenario.model import Scenario

__all__ = ["LoadReport", "load_run"]


@dataclass
class LoadReport:
    """Records (simulator schema), metrics, timing, invariant violations of one load run."""

    records: RunRecords
    metrics: dict[str, float]
    timing: dict[str, Any]
    violations: list[Violation]
    result: LoadResult

    @property
    def incomplete(self) -> str | None:
        """Why the run stopped early (target gone, Ctrl-C), or None if it ran to the end."""
        reason = self.records.meta.get("incomplete")
        return str(reason) if reason else None

    @property
    def ok(self) -> bool:
        """No invariant is broken."""
        return not self.violations


@contextlib.contextmanager
def _target_errors(doing: str) -> Iterator[None]:
    """An HTTP failure talking to the target becomes one TargetDown line, not an httpx trace."""
    try:
        yield
    except httpx.HTTPError as exc:
        raise TargetDown(f"the target failed while {doing}: {type(exc).__name__}: {exc}") from None


def _export(
    adapter: Any, client: httpx.Client, admin_token: str | None, stopped: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The target's booking events; of a run that stopped early, ``([], why)`` if the target
    cannot give them (it died) rather than an error that would lose the records gathered."""
    try:
        with _target_errors("exporting its bookings"):
            return adapter.export_events(client, admin_token), None
    except (TargetDown, TargetError) as exc:
        if stopped is None:
            raise
        return [], f"its bookings could not be exported ({exc})"


def load_run(
    sc: Scenario,
    target: Target,
    *,
    replication: int = 0,
    adapter: str | None = None,
    processes: int = 1,
    expect_workers: int = 0,
    users: int | None = None,
    progress: Progress | None = None,
    lead_s: float = LEAD_S,
    master_bind: str = "127.0.0.1",
    master_port: int = 0,
    emulate_rtt: bool = True,
    adapter_options: dict[str, str] | None = None,
    watch: Watch | None = None,
) -> LoadReport:
    """Run ``sc`` (its policy stack) against ``target`` and judge the target's final state."""
    adapter = adapter_spec(adapter)
    options = dict(adapter_options or {})
    the_adapter = load_adapter(adapter, options)
    base = LoadPlan(sc, replication, target.base_url, adapter)
    population = base.population()
    check_listening(target.base_url)  # a target that is not there fails now, not after the horizon
    with httpx.Client(base_url=target.base_url, timeout=60.0) as client:
        accounts = accounts_of(population)
        with _target_errors("preparing the accounts"):
            state = prepare_with_scenario(the_adapter, client, target.admin_token, accounts, sc)
        plan = LoadPlan(sc, replication, target.base_url, adapter, state, emulate_rtt, options)

        def install(t0_wall: float) -> None:
            with _target_errors("installing the scenario"):
                the_adapter.load(client, target.admin_token, sc, t0_wall, replication)

        result = run_load(
            plan,
            processes=processes,
            expect_workers=expect_workers,
            users=users,
            lead_s=lead_s,
            progress=progress,
            on_t0=install,
            master_bind=master_bind,
            master_port=master_port,
            watch=watch,
        )
        events, export_error = _export(the_adapter, client, target.admin_token, result.stopped)
    stopped = result.stopped if export_error is None else f"{result.stopped}; {export_error}"
    if export_error is not None:  # no truth to judge acknowledgements against: none is "lost"
        result.acknowledged, result.acknowledged_to = [], []
    stamp = {
        "scenario": sc.name,
        "policy": sc.policy_label,
        "seed": sc.seed,
        "rep": replication,
    }
    meta = {
        **stamp,
        "kind": "load",
        "target": target.base_url,
        "t0_wall": result.t0_wall,
        "processes": result.processes,
        "users": result.users,
        "wall_s": result.wall_s,
        "window_s": sc.horizon.after_s - min([0.0, *result.starts.column("planned")]),
        "agent_errors": result.errors,
        "incomplete": stopped,
    }
    records = RunRecords(
        meta,
        population.agent_log.to_arrow(stamp),
        population.identity_log.to_arrow(stamp),
        result.requests.to_arrow(stamp),
        event_log_of(events).to_arrow(stamp),
        result.outcomes.to_arrow(stamp),
        extra={"starts": result.starts.to_arrow(stamp), "hold_ids": pa.table(hold_id_table(events))},
    )
    acknowledged = result.acknowledged_persons()
    violations = judge(records, sc, acknowledged)
    meta["violations_named"] = [f"{v.kind}: {v.detail}" for v in violations[:20]]  # meta.json, report
    # the acknowledgements go to the metrics too: a lost one counts in invariant_violations
    metrics = metrics_of(records, sc, {"acknowledged": acknowledged})
    return LoadReport(records, metrics, timing_summary(records.requests), violations, result)
