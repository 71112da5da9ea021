"""Measuring helpers shared by the benchmarks: medians of runs, one-core pinning, the peak
memory of a function run in a fresh child process, machine facts and JSON output."""

from __future__ import annotations

import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["machine", "peak_rss_in_child", "pin_one_core", "spread", "write_json"]


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Median, min, max and every value of repeated measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": list(values)}


def pin_one_core() -> int | None:
    """Pin this process to one CPU (the last it may use, usually the less busy one); the CPU
    number, or None where affinity is not supported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def child_main() -> None:
    """Entry point of the child process: read a pickled ``(fn, args)`` from stdin, run it,
    write a pickled ``(status, result, peak_rss_bytes)`` to stdout."""
    fn, args = pickle.load(sys.stdin.buffer)
    pin_one_core()
    try:
        out: tuple[str, Any, int] = ("ok", fn(*args), 0)
    except Exception as exc:  # report the failure to the parent as one line
        out = ("error", f"{type(exc).__name__}: {exc}", 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    sys.stdout.buffer.write(pickle.dumps((out[0], out[1], rss)))


def peak_rss_in_child(fn: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """Run ``fn(*args)`` in a fresh interpreter; its result and the child's peak resident set
    size in bytes (interpreter and imports included, nothing inherited from this process)."""
    code = "from sim.bench.measure import child_main; child_main()"
    proc = subprocess.run([sys.executable, "-c", code], input=pickle.dumps((fn, args)),
                          capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"benchmark child exited with code {proc.returncode}: {tail[0]}")
    status, result, rss = pickle.loads(proc.stdout)
    if status != "ok":
        raise RuntimeError(f"benchmark child failed: {result}")
    return result, rss


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "versions": {d: version(d) for d in ("slotgrab", "simpy", "numpy", "pyarrow")},
    }


def write_json(result: dict[str, Any], out: Path | None) -> str:
    """The result as indented JSON; also written to ``out`` if given."""
    text = json.dumps(result, indent=2, sort_keys=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    return text
