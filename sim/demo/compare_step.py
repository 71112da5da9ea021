"""Demo step 1: the headline policies × seeds in the simulator, with the compare runner.

Runs the matrix (:mod:`sim.experiments.matrix`) on a local process pool, exactly as
``slotgrab compare`` does, and writes its outputs (``compare.json``, ``compare.csv``,
``cells.csv``) plus what the report needs beside them: the resolved scenario and the records of
one replication of the baseline and of the best variant (``records/<variant>/rep-000``), for the
release timeline and the time-to-book figure.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.experiments import RunDir, run_replication
from sim.experiments.matrix import plan_variants, run_matrix
from sim.experiments.matrix_output import write_matrix
from sim.experiments.ranking import rank_variants
from sim.scenario.model import PolicySpec, Scenario

__all__ = ["CompareOutcome", "compare_policies", "record_folder"]


@dataclass(frozen=True)
class CompareOutcome:
    """The comparison's folder, its variants in the compare runner's ranking (lowest bot share
    first), and the best variant by the demo's criterion."""

    folder: Path
    ranked: list[str]
    best: str


def record_folder(label: str) -> str:
    """A variant label as a folder name under ``records/`` (labels hold ``(``, ``=``, ``,``)."""
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in label)


def _records(sc: Scenario, folder: Path) -> Path:
    _summary, records = run_replication(sc, 0)
    records.write(folder)
    return folder


def compare_policies(
    sc: Scenario,
    stacks: Sequence[tuple[PolicySpec, ...]],
    reps: int,
    out: Path,
    workers: int = 2,
    on_done: Callable[[], None] | None = None,
    choose: Callable[[dict[str, list[dict[str, float]]]], str | None] | None = None,
) -> CompareOutcome:
    """Run every stack × ``reps`` seeds; write the comparison into ``out``. ``choose`` picks the
    best variant from the per-replication metrics (default: the compare runner's rank 1)."""
    variants = plan_variants(list(stacks), {})
    ctx = multiprocessing.get_context("forkserver")  # never fork this (threaded) process
    ctx.set_forkserver_preload(["sim.experiments.matrix"])
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        result = run_matrix(sc, variants, range(reps), pool, lambda _cell: on_done and on_done())
        ranking = rank_variants(result.stats)
        ranked = [variants[r.index].label for r in ranking]
        samples = {v.label: per for v, per in zip(variants, result.summaries, strict=True)}
        best = (choose(samples) if choose is not None else None) or ranked[0]
        keep = dict.fromkeys([best, *(v.label for v in variants if v.label == "fcfs")])
        by_label = {v.label: v for v in variants}
        jobs = [
            pool.submit(_records, by_label[label].scenario(sc), out / "records" / record_folder(label) / "rep-000")
            for label in keep
        ]
        for job in jobs:
            job.result()
            if on_done is not None:
                on_done()
    write_matrix(out, sc, result, ranking, {"executor": f"{workers} local processes", "kind": "compare"})
    RunDir(out).write_scenario(sc.model_copy(update={"replications": reps}))
    return CompareOutcome(out, ranked, best)
