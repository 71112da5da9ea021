"""Building the adapter a command names: a mapping file, a Python class, or the reference.

Its own module (not :mod:`sim.drivers.adapter`) because it imports the declarative adapter,
which itself builds on the protocol types there: keeping the two apart keeps the import graph
free of circles.
"""

from __future__ import annotations

import importlib
import os
import sys

from sim.drivers.adapter import ReferenceAdapter, TargetAdapter
from sim.drivers.mapping_adapter import MappingAdapter
from sim.drivers.mapping_model import load_mapping

__all__ = ["load_adapter"]


def load_adapter(spec: str | None, options: dict[str, str] | None = None) -> TargetAdapter:
    """An adapter: a mapping file (``*.yaml``/``*.yml``), a Python class by import path
    ``module:Class`` (the current directory is on the import path), or None →
    :class:`ReferenceAdapter`. ``options`` (``--adapter-opt``) go to a mapping file's
    ``{opt.NAME}`` templates, or to the class as ``cls(options=...)``."""
    if spec and spec.endswith((".yaml", ".yml")):
        return MappingAdapter(load_mapping(spec), options)
    if not spec:
        if options:
            raise ValueError("--adapter-opt needs --adapter (the reference contract takes none)")
        return ReferenceAdapter()
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(
            f"--adapter {spec!r}: expected a mapping file (*.yaml) or MODULE:CLASS, "
            "e.g. my-service.yaml or mypkg.adapters:ShopAdapter"
        )
    if os.getcwd() not in sys.path:  # an adapter module beside the scenario, as users expect
        sys.path.insert(0, os.getcwd())
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--adapter {spec!r}: cannot import ({exc})") from None
    try:
        adapter = cls(options=dict(options)) if options else cls()
    except TypeError as exc:
        hint = " (it takes no options=)" if options else ""
        raise ValueError(f"--adapter {spec!r}: cannot be built{hint} ({exc})") from None
    if not isinstance(adapter, TargetAdapter):
        raise ValueError(
            f"--adapter {spec!r}: {name} does not implement TargetAdapter "
            "(load, prepare, bind, warmup_request, request, answer, export_events)"
        )
    return adapter
