"""Experiments: replications of a scenario, their aggregation, and the run directory.

:func:`run_replication` is the unit of work — a pure, picklable ``(scenario, rep) ->
(summary, records)`` that process pools can map over (``slotgrab compare`` does, over policies ×
seeds); :func:`aggregate` turns per-replication summaries into mean and 95 % CI per metric.
"""

from sim.experiments.aggregate import MetricStats, aggregate
from sim.experiments.replicate import Replication, replicate, run_replication
from sim.experiments.rundir import RunDir

__all__ = ["MetricStats", "Replication", "RunDir", "aggregate", "replicate", "run_replication"]
