"""The run folder of one load run: what ``slotgrab load`` writes (the simulator's layout, plus
``timing.json`` and the load run's extra tables)."""

from __future__ import annotations

import json
from typing import Any

import pyarrow.parquet as pq

from sim.experiments.aggregate import aggregate
from sim.experiments.rundir import RunDir
from sim.scenario.model import Scenario

__all__ = ["write_load_run"]


def write_load_run(run_dir: RunDir, sc: Scenario, report: Any, source: str) -> None:
    """Records (and the run's extra tables), summary, ``timing.json`` and meta of a load run."""
    run_dir.write_scenario(sc)
    folder = run_dir.write_records(0, report.records)
    for name, table in report.records.extra.items():  # starts, hold_ids (originals of UUIDs)
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    run_dir.write_summary(sc, [0], aggregate([report.metrics]))
    (run_dir.path / "timing.json").write_text(
        json.dumps(report.timing, indent=2) + "\n", encoding="utf-8"
    )
    meta = {k: v for k, v in report.records.meta.items() if k not in ("scenario", "seed", "rep")}
    run_dir.write_meta(
        sc,
        [0],
        source,
        {
            **meta,
            "kind": "load",
            "timing": report.timing,
            "violations": [v.kind for v in report.violations][:1000],
        },
    )
