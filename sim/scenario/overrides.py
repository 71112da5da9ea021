"""Dotted-path overrides (``--set service.workers=4``) applied to a scenario's raw data.

A path step is a mapping key, a list index, or for lists of named items (patient segments,
bot crews, departments, sessions) the item's name: ``patients.elderly.count=900``.
Values are parsed as YAML, so ``--set bots=[]`` and ``--set policies=[lottery]`` work.
``--set @FILE`` reads a YAML mapping of such paths to values (e.g. the ``attack.yaml`` that
``slotgrab attack`` writes), so a set of overrides can be saved and replayed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.bounded_yaml import YamlBoundError, parse_bounded, read_bounded

__all__ = ["OverrideError", "apply_overrides", "parse_set_options", "read_overrides_file"]

_NAME_KEYS = ("segment", "crew", "id", "name")
_MAX_FILE_BYTES = 1 << 20  # an overrides file is a few lines; a bigger one is a mistake


class OverrideError(ValueError):
    """An override names a path that does not exist or is malformed."""


def parse_set_options(options: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["a.b=1", "c=[x]"]`` → ``{"a.b": 1, "c": ["x"]}`` (values parsed as YAML)."""
    out: dict[str, Any] = {}
    for opt in options:
        if opt.startswith("@"):
            out.update(read_overrides_file(Path(opt[1:])))
            continue
        path, sep, raw = opt.partition("=")
        if not sep or not path.strip():
            raise OverrideError(f"--set {opt!r}: expected PATH=VALUE, e.g. service.workers=4")
        try:
            out[path.strip()] = parse_bounded(raw) if raw.strip() else ""
        except YamlBoundError as exc:
            raise OverrideError(f"--set {path.strip()}: value {exc}") from None
        except yaml.YAMLError as exc:
            raise OverrideError(f"--set {opt!r}: value is not valid YAML ({exc})") from None
    return out


def read_overrides_file(path: Path) -> dict[str, Any]:
    """``--set @FILE``: a YAML mapping ``{dotted.path: value}``; OverrideError if unreadable."""
    where = f"--set @{path}"
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise OverrideError(f"{where}: larger than {_MAX_FILE_BYTES} bytes; "
                                "an overrides file is a mapping of a few paths")
        data = read_bounded(path)
    except OSError as exc:
        raise OverrideError(f"{where}: cannot read the file ({exc.strerror})") from None
    except (yaml.YAMLError, YamlBoundError) as exc:
        raise OverrideError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and k for k in data):
        raise OverrideError(f"{where}: expected a mapping of dotted paths to values, e.g. 'bots.plugin.devices: 8'")
    return data


def _step(node: Any, key: str, path: str) -> Any:
    if isinstance(node, dict):
        return key
    if isinstance(node, list | tuple):
        if key.lstrip("-").isdigit():
            idx = int(key)
            if -len(node) <= idx < len(node):
                return idx
            raise OverrideError(f"{path}: index {idx} out of range (0..{len(node) - 1})")
        for i, item in enumerate(node):
            if isinstance(item, dict) and any(item.get(k) == key for k in _NAME_KEYS):
                return i
        names = [next((it.get(k) for k in _NAME_KEYS if k in it), None) for it in node if isinstance(it, dict)]
        raise OverrideError(f"{path}: no item named {key!r}; allowed: indexes or {names}")
    raise OverrideError(f"{path}: cannot descend into a {type(node).__name__}")


def _thaw(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _thaw(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_thaw(v) for v in node]
    return node


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with each dotted path set to its value (tuples, as a dumped
    frozen model has them, become lists so ``bots.0.markup`` can be set)."""
    out: dict[str, Any] = _thaw(copy.deepcopy(data))
    for path, value in overrides.items():
        parts = path.split(".")
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            key = _step(node, part, ".".join(parts[: depth + 1]))
            if isinstance(node, dict) and key not in node:
                node[key] = {}
            if isinstance(node, tuple):
                raise OverrideError(f"{path}: cannot assign into a tuple")
            node = node[key]
        last = _step(node, parts[-1], path)
        node[last] = value
    return out
