"""The simulator's compiled hot path: which modules mypyc compiles, and running without it.

``make install`` compiles the modules in :data:`COMPILED` with mypyc (:mod:`sim.build_compiled`)
into extension modules next to their sources (``sim/**/*.so``, git-ignored, removed by
``make clean``); Python then imports those in place of the ``.py`` files. The ``.py`` files stay
the source of truth and the fallback: if the compile failed (no C compiler) the sources run.

Set ``SLOTGRAB_PURE_PYTHON=1`` to run the sources even when the compiled build is there (both
give identical records: ``tests/sim/test_compiled.py``). If a source was edited after the build
(it is newer than the shared library), all of them run as sources, with a warning, rather than
a stale compiled copy (``make compile`` rebuilds).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

__all__ = ["COMPILED", "LIBRARY", "PURE_ENV", "compiled_modules", "install_source_finder"]

PURE_ENV = "SLOTGRAB_PURE_PYTHON"

# The event loop's per-request path, with the per-agent random streams and the distributions'
# one-at-a-time samplers it draws from (sim.rng, sim.scenario.sampler); and the load driver's
# (the shard that plays agents, the wire client, JSON bodies: ~10 % of its CPU per request).
# A class that users subclass (Policy, in sim/policies/base.py; a target adapter; the Locust
# user) stays interpreted; so do modules whose functions tests monkeypatch
# (sim/agents/__init__.py's script_for) and pydantic models (they cannot be native classes).
COMPILED: tuple[str, ...] = (
    "sim.rng",
    "sim.scenario.sampler",
    "sim.drivers.simpy_engine",
    "sim.drivers.simpy_driver",
    "sim.drivers.simpy_skeleton",
    "sim.drivers.stepping",
    "sim.drivers.load.engine",
    "sim.drivers.load.connection",
    "sim.drivers.load.json_body",
    "sim.agents.actions",
    "sim.agents.spec",
    "sim.agents.patient",
    "sim.agents.bot",
    "sim.domain.ledger",
    "sim.service.booking",
    "sim.service.queueing",
    "sim.policies.stack",
)

_ROOT = Path(__file__).resolve().parent.parent
LIBRARY = "hotpath__mypyc"  # the shared library that holds the compiled code of every module


def _source(name: str) -> Path:
    return _ROOT.joinpath(*name.split(".")).with_suffix(".py")


def _extension(name: str) -> Path | None:
    """The module's compiled file, if there is one (for a module of :data:`COMPILED`, a small
    shim that loads its code from the shared library)."""
    src = _source(name)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        ext = src.with_suffix(suffix)
        if ext.exists():
            return ext
    return None


def _stale_sources() -> list[Path]:
    """Sources of :data:`COMPILED` edited after the shared library was built ([] if none is)."""
    lib = _extension(f"sim.{LIBRARY}")
    if lib is None:
        return []
    built = lib.stat().st_mtime
    return [src for name in COMPILED if (src := _source(name)).stat().st_mtime > built]


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Imports every module of :data:`COMPILED` from its ``.py`` file. All or none: a compiled
    module checks the types it is handed are its compiled classes, so sources and compiled
    code cannot be mixed."""

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED or _extension(fullname) is None:
            return None  # not ours, or not compiled: the ordinary import finds the source
        return importlib.util.spec_from_file_location(fullname, _source(fullname))


def install_source_finder() -> None:
    """Run the sources of :data:`COMPILED` if ``SLOTGRAB_PURE_PYTHON`` is set or any of them was
    edited after the build (with a warning); ``sim/__init__.py`` calls it."""
    if any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        return
    pure = os.environ.get(PURE_ENV, "") not in ("", "0")
    stale = [] if pure else _stale_sources()
    if stale:
        warnings.warn(f"{', '.join(map(str, stale))} changed after the hot path was compiled: "
                      "running all of it as Python (`make compile` rebuilds)", RuntimeWarning,
                      stacklevel=2)
    if pure or stale:
        sys.meta_path.insert(0, _SourceFinder())


def compiled_modules() -> dict[str, bool]:
    """For each module of :data:`COMPILED` that is imported now: whether it runs compiled."""
    out = {}
    for name in COMPILED:
        mod = sys.modules.get(name)
        if mod is not None:
            out[name] = not str(getattr(mod, "__file__", "")).endswith(".py")
    return out
