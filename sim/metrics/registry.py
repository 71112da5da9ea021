"""The metric registry: each concept module registers the function that computes its metrics.

A metric group is a function ``(run: RunView) -> dict[str, float]`` decorated with
:func:`metric_group`. Every module of ``sim/metrics/`` is imported on first use, so adding a
concept (e.g. ``economics.py``) means adding one module; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.discovery import import_plugins
from sim.metrics.view import RunView

__all__ = ["MetricGroup", "all_groups", "metric_group", "zero_when_absent"]

MetricGroup = Callable[[RunView], dict[str, float]]

_GROUPS: dict[str, MetricGroup] = {}
_ORDER: dict[str, int] = {}
_ZERO_PREFIXES: set[str] = set()
_NOT_GROUPS = {"registry", "scenario_meta", "summary", "view"}
_loaded = False


def metric_group(name: str, *, order: int = 100,
                 zero_prefixes: tuple[str, ...] = ()) -> Callable[[MetricGroup], MetricGroup]:
    """Register ``fn`` as the metric group ``name``.

    ``order``: where the group's metrics appear in summaries and tables (ascending; slots are
    10, fairness 20, timing 30, burden 40, service 60, invariants 90).
    ``zero_prefixes``: metric-name prefixes of counts that a run may omit when they are zero
    (``requests.timeout`` when nothing timed out); aggregation across replications reads an
    omitted one as 0 instead of as missing.
    """

    def deco(fn: MetricGroup) -> MetricGroup:
        if name in _GROUPS and _GROUPS[name] is not fn:
            raise TypeError(f"metric group {name!r} is registered twice")
        _GROUPS[name] = fn
        _ORDER[name] = order
        _ZERO_PREFIXES.update(zero_prefixes)
        return fn

    return deco


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import_plugins("sim.metrics", _NOT_GROUPS)
    _loaded = True


def all_groups() -> dict[str, MetricGroup]:
    """Every registered metric group, by name, in display order."""
    _load()
    return {name: _GROUPS[name] for name in sorted(_GROUPS, key=lambda n: (_ORDER[n], n))}


def zero_when_absent(metric: str) -> bool:
    """Whether a metric missing from one replication's summary means 0 there."""
    _load()
    return any(metric.startswith(p) for p in _ZERO_PREFIXES)
