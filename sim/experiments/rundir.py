"""The run directory: everything one ``slotgrab simulate`` produced, self-describing.

Layout::

    runs/<scenario>-<kind>-<UTC timestamp>/   (named by run_folder, for every command)
        scenario.yaml              the resolved scenario (overrides applied), loadable as is
        records/rep-000/*.parquet  the record tables of each replication (sim/records.py)
        summary.json               per metric: mean, sd, 95 % CI, n and per-replication values
        meta.json                  versions, seed, replications, git commit, command, timestamps
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sim.experiments.aggregate import MetricStats
from sim.records import RunRecords
from sim.scenario.model import Scenario

__all__ = ["RUN_KINDS", "RunDir", "default_run_dir", "git_commit", "run_folder", "versions"]

_PACKAGES = ("slotgrab", "numpy", "simpy", "scipy", "pyarrow", "pydantic")


def default_run_dir(scenario: str, root: Path = Path("runs"), now: datetime | None = None) -> Path:
    """``runs/<scenario>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3`` … if that already exists."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    path = root / f"{scenario}-{stamp}"
    k = 2
    while path.exists():
        path = root / f"{scenario}-{stamp}-{k}"
        k += 1
    return path


RUN_KINDS = ("simulate", "compare", "load", "twin", "attack", "check-simulate", "check-load", "demo", "sensitivity")
"""The kinds of run folders the commands write (the middle part of their names)."""


def run_folder(scenario: str, kind: str, root: Path = Path("runs"),
               now: datetime | None = None) -> Path:
    """The one naming rule of run folders: ``runs/<scenario>-<kind>-<YYYYmmdd-HHMMSS>`` (UTC),
    ``-2``, ``-3`` … appended if that exists. Every command that writes a run folder uses it."""
    if kind not in RUN_KINDS:
        raise ValueError(f"run kind {kind!r}; allowed: {', '.join(RUN_KINDS)}")
    return default_run_dir(f"{scenario}-{kind}", root, now)


def versions() -> dict[str, str]:
    """Python and the installed versions of the packages a run depends on."""
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True,
                          timeout=10, check=True)
    return done.stdout.strip()


def git_commit(source: Path | None = None) -> dict[str, Any]:
    """The source tree's git commit and whether it had uncommitted changes (None outside git)."""
    where = source or Path(__file__).resolve().parents[2]
    try:
        head = _git(where, "rev-parse", "HEAD")
        dirty = _git(where, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head, "dirty": bool(dirty)}


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunDir:
    """Writes one run directory; create it with :meth:`create`, then write parts as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = _utc_now()

    @classmethod
    def create(cls, path: Path) -> RunDir:
        """Make the folder (and parents); refuse a non-empty existing folder."""
        if path.exists() and any(path.iterdir()):
            raise FileExistsError(f"{path}: output folder exists and is not empty; "
                                  "choose another --out")
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    def records_dir(self, rep: int) -> Path:
        """Where replication ``rep``'s Parquet tables go."""
        return self.path / "records" / f"rep-{rep:03d}"

    def write_scenario(self, sc: Scenario) -> Path:
        """The resolved scenario as YAML that :func:`~sim.scenario.load_scenario` reads back."""
        data = sc.model_dump(mode="json", by_alias=True, exclude_none=True)
        out = self.path / "scenario.yaml"
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        out.write_text(f"# resolved scenario written by slotgrab at {_utc_now()}\n{text}",
                       encoding="utf-8")
        return out

    def write_records(self, rep: int, records: RunRecords) -> Path:
        """Replication ``rep``'s tables as ``records/rep-NNN/<table>.parquet``."""
        folder = self.records_dir(rep)
        records.write(folder)
        return folder

    def write_summary(self, sc: Scenario, reps: Sequence[int], stats: Mapping[str, MetricStats],
                      confidence: float = 0.95) -> Path:
        """``summary.json``: scenario, policy, seed, reps, confidence and per-metric statistics."""
        doc = {
            "scenario": sc.name,
            "policy": sc.policy_label,
            "seed": sc.seed,
            "reps": list(reps),
            "confidence": confidence,
            "metrics": {name: s.to_json() for name, s in stats.items()},
        }
        return self._write_json("summary.json", doc)

    def write_meta(self, sc: Scenario, reps: Sequence[int], source: str | None,
                   extra: Mapping[str, Any] | None = None) -> Path:
        """``meta.json``: what produced this run and when."""
        doc = {
            "kind": "simulate",
            "scenario": sc.name,
            "policy": sc.policy_label,
            "scenario_source": source,
            "seed": sc.seed,
            "replications": len(reps),
            "reps": list(reps),
            "versions": versions(),
            "git": git_commit(),
            "command": sys.argv,
            "started_utc": self.started,
            "finished_utc": _utc_now(),
            **(extra or {}),
        }
        return self._write_json("meta.json", doc)

    def _write_json(self, name: str, doc: Mapping[str, Any]) -> Path:
        out = self.path / name
        out.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        return out
