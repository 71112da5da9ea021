"""Loading run directories into what the figures take: metric samples per policy and tables.

Every run kind writes the same core layout (see :mod:`sim.experiments.rundir`)::

    scenario.yaml   meta.json (``kind``: simulate | compare | load | twin)   summary.json
    records/rep-NNN/<table>.parquet

``summary.json`` holds, per metric, the per-replication ``values``; a comparison holds one such
summary per policy. Figures never see paths: a :class:`Run` turns files into
:data:`reports.stats.PolicySamples` and record tables, loading tables only when asked.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reports.tables import Tables, stack
from sim.records import read_records

__all__ = ["Run", "RunDirError", "load_run", "metric_dicts", "runs_by_kind"]

KINDS = ("simulate", "compare", "load", "twin")


class RunDirError(Exception):
    """A folder that is not a readable run directory (message names the file and what is wrong)."""


@dataclass
class Run:
    """One run directory: its kind, metadata, scenario, per-policy metric samples and records."""

    path: Path
    kind: str
    meta: dict[str, Any]
    scenario_text: str
    scenario: dict[str, Any]
    samples: dict[str, list[dict[str, float]]]
    record_dirs: dict[str, list[Path]] = field(default_factory=dict)
    children: list[Run] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Short name for tables: folder name and kind."""
        return f"{self.path.name} ({self.kind})"

    @property
    def policies(self) -> list[str]:
        """Policy labels this run measured, in run order."""
        return list(self.samples)

    def tables(self, policy: str, rep: int = 0) -> Tables | None:
        """Record tables of one replication of one policy (None if not written)."""
        dirs = self.record_dirs.get(policy, [])
        if rep >= len(dirs):
            return None
        return read_records(dirs[rep])

    def pooled(self, policy: str, max_reps: int = 5) -> Tables | None:
        """The first ``max_reps`` replications' tables of one policy, stacked."""
        runs = [read_records(d) for d in self.record_dirs.get(policy, [])[:max_reps]]
        return stack(runs) if runs else None


def metric_dicts(metrics: Mapping[str, Any]) -> list[dict[str, float]]:
    """``summary.json`` metrics (name → {values: [...], …}) → one metric dict per replication."""
    n = max((len(m.get("values") or []) for m in metrics.values()), default=0)
    reps: list[dict[str, float]] = [{} for _ in range(n)]
    for name, stats in metrics.items():
        for i, v in enumerate(stats.get("values") or []):
            reps[i][name] = math.nan if v is None else float(v)
    if n == 0 and metrics:  # no per-replication values: the mean stands for one replication
        reps = [{name: _num(s.get("mean")) for name, s in metrics.items()}]
    return reps


def load_run(path: Path) -> Run:
    """Read a run directory of any kind."""
    if not path.is_dir():
        raise RunDirError(f"{path}: not a folder; expected a run directory written by slotgrab")
    meta = _json(path / "meta.json")
    kind = str(meta.get("kind", "simulate"))
    if kind not in KINDS:
        raise RunDirError(
            f"{path / 'meta.json'}: kind {kind!r} is not known; allowed: {list(KINDS)}"
        )
    text = (
        (path / "scenario.yaml").read_text(encoding="utf-8")
        if (path / "scenario.yaml").exists()
        else ""
    )
    scenario = yaml.safe_load(text) if text else {}
    run = Run(path, kind, meta, text, scenario if isinstance(scenario, dict) else {}, {})
    summary = _json(path / "summary.json")
    if "policies" in summary:  # a comparison: one summary per policy
        for label, part in summary["policies"].items():
            run.samples[label] = metric_dicts(part.get("metrics", {}))
            run.record_dirs[label] = _rep_dirs(path / "records" / _safe(label))
    else:
        label = str(summary.get("policy") or meta.get("policy") or "run")
        run.samples[label] = metric_dicts(summary.get("metrics", {}))
        run.record_dirs[label] = _rep_dirs(path / "records")
    for sub in meta.get("runs", []):  # a twin (or any composite) lists the runs it made
        run.children.append(load_run(path / sub))
    return run


def _rep_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("rep-*") if p.is_dir()) if folder.is_dir() else []


def _safe(label: str) -> str:
    """A policy label as a folder name (labels may hold ``(``, ``=`` and ``,``)."""
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in label)


def _json(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise RunDirError(f"{path}: missing; a run directory has meta.json and summary.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunDirError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise RunDirError(f"{path}: expected a JSON object")
    return doc


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


def runs_by_kind(runs: Sequence[Run], kind: str) -> list[Run]:
    """The runs of one kind, including the children of composite runs."""
    flat = [r for run in runs for r in (run, *run.children)]
    return [r for r in flat if r.kind == kind]
