"""The policy registry: name → policy class, found by importing every module of this package.

Adding a policy means adding one module under ``sim/policies/`` whose class is decorated with
:func:`register`; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from sim.discovery import import_plugins
from sim.policies.base import Policy
from sim.policies.spec import PolicySpec

__all__ = ["all_policies", "get_policy", "register", "validate_stack"]

_REGISTRY: dict[str, type[Policy]] = {}
_NOT_POLICIES = {"base", "registry", "spec", "store", "stack"}
_loaded = False


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator: make a policy available under ``cls.name``."""
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no name")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise TypeError(f"policy name {cls.name!r} is registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import_plugins("sim.policies", _NOT_POLICIES)
    _loaded = True


def all_policies() -> dict[str, type[Policy]]:
    """Every registered policy, by name."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def get_policy(name: str) -> type[Policy]:
    """The policy class called ``name``; KeyError listing the allowed names otherwise."""
    policies = all_policies()
    if name not in policies:
        raise KeyError(f"unknown policy {name!r}; allowed: {sorted(policies)}")
    return policies[name]


def validate_stack(stack: Iterable[PolicySpec]) -> None:
    """Check each entry names a known policy and its params validate (ValueError otherwise)."""
    for spec in stack:
        try:
            cls = get_policy(spec.name)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        try:
            cls.Params.model_validate(spec.params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors()
            )
            fields = ", ".join(f"{k} (default {v.default!r})" for k, v in cls.Params.model_fields.items())
            raise ValueError(
                f"policy {spec.name!r}: {problems}; allowed params: {fields or 'none'}"
            ) from None


def params_of(spec: PolicySpec) -> Any:
    """The validated params model for a stack entry."""
    return get_policy(spec.name).Params.model_validate(spec.params)
