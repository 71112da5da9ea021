"""The four calls of the Python API: ``load_scenario``, ``simulate``, ``compare``, ``load``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sim.drivers.load.target import env_admin_token, target_for
from sim.experiments.matrix import plan_variants, run_matrix
from sim.experiments.replicate import Replication, replicate
from sim.policies.spec import PolicySpec
from sim.records import RunRecords
from sim.scenario.loader import load_scenario as _load_file
from sim.scenario.model import Scenario
from slotgrab.results import CompareResult, LoadResult, SimulationResult

__all__ = ["compare", "load", "load_scenario", "simulate"]

StackLike = str | Sequence[str | dict[str, Any]] | tuple[PolicySpec, ...]


def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """A shipped scenario by name (``"release-peak"``) or a YAML file, with dotted-path
    ``overrides`` applied (``{"patients.mobile.count": 200}``, as ``--set`` does); raises
    :class:`sim.scenario.ScenarioError` with one clear line on bad input."""
    return _load_file(name_or_path, overrides)


def _reps(sc: Scenario, replications: int | Iterable[int] | None) -> list[int]:
    if replications is None:
        return list(range(sc.replications))
    return list(range(replications)) if isinstance(replications, int) else list(replications)


def simulate(scenario: Scenario, replications: int | Iterable[int] | None = None) -> SimulationResult:
    """Simulate ``scenario`` under its policy stack: ``replications`` (a count, or the
    replication numbers; default the scenario's own count), one after another."""
    reps = _reps(scenario, replications)
    records: dict[int, RunRecords] = {}

    def keep(r: Replication) -> None:
        records[r.rep] = r.records

    summaries = replicate(scenario, reps, on_done=keep)
    return SimulationResult(scenario, reps, summaries, [records[r] for r in reps])


def _stack(sc: Scenario, stack: StackLike) -> tuple[PolicySpec, ...]:
    if isinstance(stack, tuple) and all(isinstance(p, PolicySpec) for p in stack):
        return stack
    value: Any = [s.strip() for s in stack.split("+")] if isinstance(stack, str) else list(stack)
    return sc.with_overrides({"policies": value}).policies


def compare(scenario: Scenario, stacks: Sequence[StackLike] | None = None,
            replications: int | Iterable[int] | None = None, workers: int = 1) -> CompareResult:
    """Every policy stack (default: the scenario's own and its ``compare`` list; a stack is
    ``"real_name+captcha"``, a list of names/``{name: params}``, or ``PolicySpec``s) × the
    scenario's ``sweep`` × ``replications``, on ``workers`` processes. The same cells, with the
    same results, as ``slotgrab compare``."""
    given = stacks if stacks is not None else (scenario.policies, *scenario.compare)
    variants = plan_variants([_stack(scenario, s) for s in given], scenario.sweep)
    reps = _reps(scenario, replications)
    if workers <= 1:
        return CompareResult(scenario, run_matrix(scenario, variants, reps))
    with ProcessPoolExecutor(workers) as pool:
        return CompareResult(scenario, run_matrix(scenario, variants, reps, executor=pool))


def load(scenario: Scenario, target: str | None = None, *, admin_token: str | None = None,
         processes: int = 1, replication: int = 0, adapter: str | None = None) -> LoadResult:
    """Play ``scenario``'s agents against a real service: ``target`` None/``"reference"``/
    ``"naive"`` starts one on 127.0.0.1 for the run; a URL uses that service (its admin token:
    ``admin_token`` or ``$SLOTGRAB_ADMIN_TOKEN``). Records and metrics as for a simulation."""
    from sim.drivers.load.harness import load_run  # imports locust (gevent patching): load runs only

    with target_for(target, admin_token=lambda: admin_token or env_admin_token()) as t:
        report = load_run(scenario, t, replication=replication, adapter=adapter, processes=processes)
    return LoadResult(scenario, report)
