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

__all__ = ["Run", "RunDirError", "load_run", "metric_dicts", "runs_by_kind", "timing_metrics"]

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
    twin_rows: list[dict[str, Any]] = field(default_factory=list)

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
    if (path / "compare.json").exists() and not (path / "meta.json").exists():
        return _load_compare(path)
    if (path / "twin.json").exists() and not (path / "meta.json").exists():
        return _load_twin(path)
    meta = _json(path / "meta.json")
    kind = str(meta.get("kind", "simulate"))
    if kind not in KINDS:
        allowed = list(KINDS)
        raise RunDirError(f"{path / 'meta.json'}: kind {kind!r} is not known; allowed: {allowed}")
    text, scenario = _scenario(path)
    run = Run(path, kind, meta, text, scenario, {})
    summary = _json(path / "summary.json")
    label = str(summary.get("policy") or meta.get("policy") or "run")
    run.samples[label] = metric_dicts(summary.get("metrics", {}))
    if kind == "load":  # timing percentiles live in meta.json; the figures and tables want them
        for rep in run.samples[label]:
            rep.update({k: v for k, v in timing_metrics(meta.get("timing", {})).items() if k not in rep})
    run.record_dirs[label] = _rep_dirs(path / "records")
    for sub in meta.get("runs", []):  # a twin (or any composite) lists the runs it made
        run.children.append(load_run(path / sub))
    return run


def timing_metrics(timing: Mapping[str, Any]) -> dict[str, float]:
    """A load run's timing summary (``lag``, ``latency``, ``latency_corrected`` → percentiles in
    ms) as flat metrics, named as the CI gates name them (``latency_corrected_p99_ms`` …)."""
    out: dict[str, float] = {}
    for key, prefix in (("latency", "latency"), ("latency_corrected", "latency_corrected"), ("lag", "generator_lag")):
        part = timing.get(key) or {}
        for q in ("p50", "p90", "p99"):
            if part.get(f"{q}_ms") is not None:
                out[f"{prefix}_{q}_ms"] = float(part[f"{q}_ms"])
    return out


def _load_compare(path: Path) -> Run:
    """A ``slotgrab compare`` folder: ``compare.json`` with every variant's metric statistics
    (and, when the caller kept them, ``records/<variant>/rep-NNN``)."""
    doc = _json(path / "compare.json")
    text, scenario = _scenario(path)
    meta = {k: v for k, v in doc.items() if k != "variants"}
    run = Run(path, "compare", meta, text, scenario or {"name": doc.get("scenario", "")}, {})
    for variant in doc.get("variants", []):
        label = str(variant.get("variant"))
        run.samples[label] = metric_dicts(variant.get("metrics", {}))
        run.record_dirs[label] = _rep_dirs(path / "records" / _safe(label))
    return run


def _load_twin(path: Path) -> Run:
    """A ``slotgrab twin`` folder: ``twin.json`` with, per metric, the simulated mean and 95 % CI
    of the calibrated scenario and the load run's value (``rows``)."""
    doc = _json(path / "twin.json")
    text, scenario = _scenario(path)
    meta = {k: v for k, v in doc.items() if k != "rows"}
    rows = [r for r in doc.get("rows", []) if isinstance(r, dict) and "metric" in r]
    return Run(path, "twin", meta, text, scenario or {"name": doc.get("scenario", "")}, {}, twin_rows=rows)


def _scenario(path: Path) -> tuple[str, dict[str, Any]]:
    file = path / "scenario.yaml"
    if not file.exists():
        return "", {}
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RunDirError(f"{file}: not valid YAML ({exc})") from None
    return text, data if isinstance(data, dict) else {}


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
