"""The ``--adapter`` and ``--adapter-opt`` values as every command passes them on.

One place parses ``KEY=VALUE`` options and makes a mapping file's path absolute (Locust
workers and child processes may start elsewhere), so ``load``, ``check``, ``twin``,
``calibrate`` and ``adapter check`` treat them alike.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["adapter_spec", "is_mapping_file", "parse_adapter_options"]


def is_mapping_file(spec: str | None) -> bool:
    """Whether ``spec`` names a declarative mapping file (not a Python ``module:Class``)."""
    return bool(spec) and str(spec).endswith((".yaml", ".yml"))


def adapter_spec(spec: str | None) -> str | None:
    """``spec`` with a mapping file's path made absolute (and checked to exist)."""
    if not is_mapping_file(spec):
        return spec
    path = Path(str(spec)).expanduser()
    if not path.is_file():
        raise ValueError(f"--adapter {spec}: no such mapping file")
    return str(path.resolve())


def parse_adapter_options(values: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """``["db=sqlite:///x.db", …]`` → ``{"db": "sqlite:///x.db"}``; ValueError naming a bad one."""
    out: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--adapter-opt {item!r}: expected KEY=VALUE, e.g. db=sqlite:///shop.db")
        out[key.strip()] = value
    return out
