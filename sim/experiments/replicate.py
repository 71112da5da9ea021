"""Replications of one scenario: run, summarise, hand each result to whoever records it.

:func:`run_replication` is a module-level pure function of ``(scenario, rep)`` — the same
arguments give the same records — so it pickles for ``concurrent.futures`` process pools.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass

from sim.drivers.simpy_driver import run_simulation
from sim.metrics import summarize
from sim.metrics.scenario_meta import scenario_meta
from sim.records import RunRecords
from sim.scenario.model import Scenario

__all__ = ["Replication", "replicate", "run_replication", "scenario_meta"]


@dataclass(frozen=True, slots=True)
class Replication:
    """One replication's result: its number, metric summary and records."""

    rep: int
    summary: dict[str, float]
    records: RunRecords


def run_replication(sc: Scenario, rep: int) -> tuple[dict[str, float], RunRecords]:
    """Simulate replication ``rep`` of ``sc`` and summarise it: ``(metrics, records)``."""
    records = run_simulation(sc, rep)
    return summarize(records.tables(), {**records.meta, **scenario_meta(sc)}), records


def replicate(sc: Scenario, reps: Iterable[int],
              on_done: Callable[[Replication], None] | None = None,
              executor: Executor | None = None) -> list[dict[str, float]]:
    """Run the given replications; ``on_done`` sees each as it finishes (e.g. to write its
    records and advance a progress bar). Without ``executor`` they run here, one after another,
    so memory stays that of one replication; with one (e.g. a ``ProcessPoolExecutor``) they run
    there and ``on_done`` sees them in completion order. Returns the summaries in rep order —
    the same either way, since a replication is a pure function of ``(sc, rep)``."""
    rep_ids = list(reps)
    summaries: dict[int, dict[str, float]] = {}

    def finish(rep: int, summary: dict[str, float], records: RunRecords) -> None:
        summaries[rep] = summary
        if on_done is not None:
            on_done(Replication(rep, summary, records))

    if executor is None:
        for rep in rep_ids:
            finish(rep, *run_replication(sc, rep))
    else:
        futures: dict[Future[tuple[dict[str, float], RunRecords]], int] = {
            executor.submit(run_replication, sc, rep): rep for rep in rep_ids}
        for fut in as_completed(futures):
            finish(futures[fut], *fut.result())
    return [summaries[rep] for rep in rep_ids]
