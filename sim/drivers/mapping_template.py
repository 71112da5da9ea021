"""Filling a mapping file's templates: ``{person}``, ``{session}``, ``{hold}``, ``{opt.db}`` …

A string that is exactly one placeholder takes the value with its type (``{person}`` in a JSON
body stays an integer, ``{hold}`` stays whatever id the target gave); placeholders inside a
longer string are interpolated. Names: the call's args (``person``, ``account``, ``ip``,
``session``, ``hold``, ``department``, ``key`` …), ``slot`` (the picked slot), ``token``, ``t0``
(Unix seconds), ``t0_ms``, ``session``/``capacity`` in per-session hooks, ``opt.NAME``
(``--adapter-opt NAME=VALUE`` or the file's ``options:``) and ``env.NAME`` (environment).
A name with no value is an error naming the template, never an empty string sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TemplateError", "fill", "names_in"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}")


class TemplateError(ValueError):
    """A template names a value the call does not have."""


def _value(name: str, ctx: Mapping[str, Any], template: str) -> Any:
    if name.startswith("env."):
        key = name[4:]
        if key not in os.environ:
            raise TemplateError(f"template {template!r}: environment variable {key} is not set")
        return os.environ[key]
    if name in ctx and ctx[name] is not None:
        return ctx[name]
    raise TemplateError(f"template {template!r}: no value for {{{name}}} here "
                        f"(have: {', '.join(sorted(k for k in ctx if ctx[k] is not None))})")


def _fill_str(template: str, ctx: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return _value(whole.group(1), ctx, template)
    return _PLACEHOLDER.sub(lambda m: str(_value(m.group(1), ctx, template)), template)


def fill(template: Any, ctx: Mapping[str, Any]) -> Any:
    """``template`` (a string, or dicts/lists of them) with every placeholder filled from ``ctx``."""
    if isinstance(template, str):
        return _fill_str(template, ctx) if "{" in template else template
    if isinstance(template, dict):
        return {k: fill(v, ctx) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, ctx) for v in template]
    return template


def names_in(template: Any) -> set[str]:
    """Every placeholder name in ``template`` (for ``adapter check``)."""
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    if isinstance(template, dict):
        return set().union(*(names_in(v) for v in template.values())) if template else set()
    if isinstance(template, list):
        return set().union(*(names_in(v) for v in template)) if template else set()
    return set()
