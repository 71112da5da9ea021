"""What the Python API returns: runs whose metrics and records are Arrow tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from sim.experiments.aggregate import MetricStats, aggregate
from sim.experiments.matrix import MatrixResult
from sim.records import TABLES, RunRecords
from sim.scenario.model import Scenario

if TYPE_CHECKING:  # the load harness imports locust (gevent patching): only a load run may
    from sim.drivers.load.harness import LoadReport

__all__ = ["CompareResult", "LoadResult", "SimulationResult", "metrics_table", "replications_table"]

_STATS = ("mean", "ci_low", "ci_high", "sd", "n")


def metrics_table(stats: Mapping[str, MetricStats], **labels: str) -> pa.Table:
    """One row per metric: its mean over replications and 95 % CI (``labels`` as columns)."""
    rows = [{**labels, "metric": name, **{k: getattr(s, k) for k in _STATS}} for name, s in stats.items()]
    return pa.Table.from_pylist(rows)


def replications_table(summaries: Sequence[Mapping[str, float]], reps: Sequence[int], **labels: str) -> pa.Table:
    """One row per replication, one column per metric."""
    return pa.Table.from_pylist([{**labels, "rep": r, **s} for r, s in zip(reps, summaries, strict=True)])


def _records_table(records: Sequence[RunRecords], name: str) -> pa.Table:
    if name not in TABLES:
        raise KeyError(f"no records table {name!r}; allowed: {list(TABLES)}")
    return pa.concat_tables([r.tables()[name] for r in records])


@dataclass(frozen=True)
class SimulationResult:
    """Replications of one scenario: per-replication summaries and their records."""

    scenario: Scenario
    reps: list[int]
    summaries: list[dict[str, float]]
    records: list[RunRecords]

    def metrics(self) -> pa.Table:
        """Mean and 95 % CI of every metric over the replications."""
        return metrics_table(aggregate(self.summaries), policy=self.scenario.policy_label)

    def replications(self) -> pa.Table:
        """Every metric of every replication."""
        return replications_table(self.summaries, self.reps, policy=self.scenario.policy_label)

    def table(self, name: str) -> pa.Table:
        """Records table ``name`` (agents, identities, requests, bookings, outcomes) of all
        replications, each row stamped with its ``rep``."""
        return _records_table(self.records, name)


@dataclass(frozen=True)
class CompareResult:
    """Policy stacks (× sweeps) × replications of one scenario."""

    scenario: Scenario
    matrix: MatrixResult

    @property
    def variants(self) -> list[str]:
        """The variants' labels, in run order."""
        return [v.label for v in self.matrix.variants]

    def metrics(self) -> pa.Table:
        """Mean and 95 % CI of every metric, one row per (variant, metric)."""
        parts = [metrics_table(stats, variant=v.label)
                 for v, stats in zip(self.matrix.variants, self.matrix.stats, strict=True)]
        return pa.concat_tables(parts)

    def replications(self) -> pa.Table:
        """Every metric of every (variant, replication) cell."""
        parts = [replications_table(s, self.matrix.reps, variant=v.label)
                 for v, s in zip(self.matrix.variants, self.matrix.summaries, strict=True)]
        return pa.concat_tables(parts, promote_options="default")


@dataclass(frozen=True)
class LoadResult:
    """One load run against a real service: its records (simulator schema) and metrics."""

    scenario: Scenario
    report: LoadReport

    @property
    def ok(self) -> bool:
        """No booking invariant is broken in the service's final state."""
        return self.report.ok

    def metrics(self) -> pa.Table:
        """Every metric of the run, one row each."""
        return pa.Table.from_pylist([{"metric": k, "value": v} for k, v in self.report.metrics.items()])

    def table(self, name: str) -> pa.Table:
        """Records table ``name`` of the run (as :meth:`SimulationResult.table`)."""
        return _records_table([self.report.records], name)
