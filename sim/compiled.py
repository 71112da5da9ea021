"""The simulator's compiled hot path: which modules mypyc compiles, and running without it.

``make install`` compiles the modules in :data:`COMPILED` with mypyc (:mod:`sim.build_compiled`)
into extension modules next to their sources (``sim/**/*.so``, git-ignored, removed by
``make clean``); Python then imports those in place of the ``.py`` files. The ``.py`` files stay
the source of truth and the fallback: if the compile failed (no C compiler) the sources run.

Set ``SLOTGRAB_PURE_PYTHON=1`` to run the sources even when the compiled build is there (both
give identical records: ``tests/sim/test_compiled.py``). A source edited after the build is
newer than its extension module: it is then run as source, with a warning, rather than the
stale compiled copy (``make compile`` rebuilds).
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

__all__ = ["COMPILED", "PURE_ENV", "compiled_modules", "install_source_finder"]

PURE_ENV = "SLOTGRAB_PURE_PYTHON"

# The event loop's per-request path. A class that users subclass (Policy, in sim/policies/base.py)
# stays interpreted; so do modules whose functions tests monkeypatch (sim/agents/__init__.py's
# script_for, the ledger's methods) and pydantic models (they cannot be native classes).
COMPILED: tuple[str, ...] = (
    "sim.drivers.simpy_engine",
    "sim.drivers.simpy_driver",
    "sim.drivers.stepping",
    "sim.agents.actions",
    "sim.agents.spec",
    "sim.agents.patient",
    "sim.agents.bot",
    "sim.service.booking",
    "sim.service.queueing",
    "sim.policies.stack",
)

_ROOT = Path(__file__).resolve().parent.parent


def _source(name: str) -> Path:
    return _ROOT.joinpath(*name.split(".")).with_suffix(".py")


def _extension(name: str) -> Path | None:
    src = _source(name)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        ext = src.with_suffix(suffix)
        if ext.exists():
            return ext
    return None


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Imports a module of :data:`COMPILED` from its ``.py`` file when pure Python is asked
    for, or when the source is newer than its extension module (a stale build)."""

    def __init__(self, pure: bool) -> None:
        self.pure = pure

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        ext = _extension(fullname)
        if ext is None:
            return None  # not compiled: the ordinary import finds the source
        src = _source(fullname)
        if not self.pure:
            if ext.stat().st_mtime >= src.stat().st_mtime:
                return None  # the compiled build is current: the ordinary import loads it
            warnings.warn(f"{src} changed after it was compiled: running it as Python "
                          "(`make compile` rebuilds)", RuntimeWarning, stacklevel=2)
        return importlib.util.spec_from_file_location(fullname, src)


def install_source_finder() -> None:
    """Put the source finder first on ``sys.meta_path`` (once); ``sim/__init__.py`` calls it."""
    if not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder(os.environ.get(PURE_ENV, "") not in ("", "0")))


def compiled_modules() -> dict[str, bool]:
    """For each module of :data:`COMPILED` that is imported now: whether it runs compiled."""
    out = {}
    for name in COMPILED:
        mod = sys.modules.get(name)
        if mod is not None:
            out[name] = not str(getattr(mod, "__file__", "")).endswith(".py")
    return out
