"""The run folder of an attack search: ``attack.json`` (everything), ``trials.csv`` (one row
per trial), ``attack.yaml`` (the best attack as ``--set @attack.yaml`` overrides, to rerun it
in ``simulate`` or replay it as real load with ``load``) and ``scenario.yaml``."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.experiments.rundir import RunDir
from sim.scenario.model import Scenario

__all__ = ["write_adaptive", "write_attack", "write_fragment"]


def write_fragment(path: Path, doc: Mapping[str, Any]) -> Path:
    """``attack.yaml``: the attack as dotted-path overrides, with a header saying what it is."""
    worst = doc["best"] if doc["worst_is"] == "best" else doc["nominal"]
    share = (worst.get("stats", {}).get("bot_share_total") or {}).get("mean")
    header = [
        f"# The strongest attack found against {doc['policy']} on {doc['scenario']} "
        f"(objective {doc['objective']}, {len(doc['trials'])} trials, search seed {doc['seed']}).",
        f"# Bot share on fresh replications: {share:.3f}" if share is not None else "# Bot share: undefined",
        "# Rerun: slotgrab simulate SCENARIO --set @attack.yaml",
        "# Replay as real load: slotgrab load SCENARIO --set @attack.yaml",
    ]
    body = yaml.safe_dump(doc["fragment"], sort_keys=False, allow_unicode=True)
    path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
    return path


def _write_trials(path: Path, trials: Sequence[Mapping[str, Any]]) -> None:
    params = sorted({k for t in trials for k in t["params"]})
    metrics = sorted({k for t in trials for k in t["metrics"]})
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "state", "value", "seeds_run", "cost", *params, *metrics, "note"])
        for t in trials:
            w.writerow([t["number"], t["state"], t["value"], t["seeds_run"], t["cost"],
                        *(t["params"].get(p, "") for p in params),
                        *(t["metrics"].get(m, "") for m in metrics), t["note"]])


def write_attack(folder: Path, base: Scenario, doc: Mapping[str, Any]) -> Path:
    """Write one search's folder; returns it."""
    run = RunDir.create(folder)
    run.write_scenario(base)
    (folder / "attack.json").write_text(json.dumps(doc, indent=2, allow_nan=False), encoding="utf-8")
    _write_trials(folder / "trials.csv", doc["trials"])
    write_fragment(folder / "attack.yaml", doc)
    return folder


def write_adaptive(folder: Path, docs: Sequence[Mapping[str, Any]]) -> Path:
    """``adaptive.json`` (every stack's search) and one ``attack-<n>.yaml`` per stack."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adaptive.json").write_text(json.dumps({"stacks": list(docs)}, indent=2, allow_nan=False),
                                          encoding="utf-8")
    for i, doc in enumerate(docs):
        write_fragment(folder / f"attack-{i}.yaml", doc)
    return folder
