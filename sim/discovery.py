"""Plug-in discovery: import every module of a package so its decorators register what it holds.

Policies (``sim/policies/``) and metric groups (``sim/metrics/``) are found this way, so adding
one is adding a module; modules whose names start with ``_`` and the package's own machinery
(``skip``) are not imported.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection

__all__ = ["import_plugins"]


def import_plugins(package: str, skip: Collection[str]) -> None:
    """Import each module of ``package`` except ``skip`` and ``_private`` ones."""
    pkg = importlib.import_module(package)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in skip and not mod.name.startswith("_"):
            importlib.import_module(f"{package}.{mod.name}")
