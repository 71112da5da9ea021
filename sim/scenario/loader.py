"""Load scenario YAML into a :class:`Scenario`, with one clear message on bad input.

A bad file raises :class:`ScenarioError` whose message names the file, the field path, the
offending value and what is allowed; the CLI prints it without a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.bounded_yaml import YamlBoundError, read_bounded
from sim.scenario.model import Scenario
from sim.scenario.overrides import OverrideError, apply_overrides
from sim.scenario.stdin import STDIN, stdin_scenario_path

__all__ = ["ScenarioError", "load_scenario", "scenario_dir", "shipped_scenarios"]


class ScenarioError(ValueError):
    """A scenario file (or override) that cannot be used; the message says why."""


def scenario_dir() -> Path:
    """The shipped ``scenarios/`` folder (next to the source tree or installed as data)."""
    here = Path(__file__).resolve().parents[2] / "scenarios"
    return here


def shipped_scenarios() -> Iterator[Path]:
    """Paths of the shipped scenario files, sorted by name."""
    yield from sorted(scenario_dir().glob("*.yaml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A path as given, the shipped scenario of that name (``release-peak``), or ``-``: the
    scenario read from standard input."""
    if str(name_or_path) == STDIN:
        return stdin_scenario_path()
    p = Path(name_or_path)
    if p.exists():
        return p
    shipped = scenario_dir() / f"{name_or_path}.yaml"
    if shipped.exists():
        return shipped
    names = [q.stem for q in shipped_scenarios()]
    raise ScenarioError(f"{name_or_path}: no such file and no shipped scenario of that name; shipped: {names}")


def _format_loc(loc: tuple[Any, ...]) -> str:
    # pydantic puts union tags and validator names into loc; keep the field path only
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith(("function-", "tagged-")))]
    return ".".join(parts) or "(top level)"


def _echo_of_nested(err: Any, errors: list[Any]) -> bool:
    """A "too short" complaint about a list whose own item failed just repeats that failure."""
    if err["type"] != "too_short":
        return False
    loc = tuple(err["loc"])
    return any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in errors)


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: ``file: field.path: value X: what is allowed``."""
    lines = []
    errors = exc.errors(include_url=False)
    for err in errors:
        if _echo_of_nested(err, errors):
            continue
        value = err.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            lines.append(f"{source}: {_format_loc(err['loc'])}: required field is missing")
        elif err["type"] == "extra_forbidden":
            lines.append(f"{source}: {_format_loc(err['loc'])}: unknown field (value {shown})")
        else:
            lines.append(f"{source}: {_format_loc(err['loc'])}: value {shown}: {msg}")
    return "\n".join(lines)


def _non_finite(data: Any, path: str = "") -> str | None:
    """The dotted path of the first NaN or infinity anywhere in the data (policy parameters and
    sweep values too, which the model types loosely), or None."""
    if isinstance(data, float) and not math.isfinite(data):
        return path or "(top level)"
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list | tuple) else ()
    for key, value in items:
        found = _non_finite(value, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def parse_scenario(data: Any, source: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Validate already-parsed YAML data (with overrides) into a Scenario."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: top level must be a mapping of fields, got {type(data).__name__}")
    try:
        if overrides:
            data = apply_overrides(data, overrides)
        bad = _non_finite(data)
        if bad is not None:
            raise ScenarioError(f"{source}: {bad}: value is not a finite number; allowed: finite numbers")
        return Scenario.model_validate(data)
    except OverrideError as exc:
        raise ScenarioError(f"{source}: --set {exc}") from None
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, parse and validate a scenario file (or a shipped scenario's name)."""
    p = resolve_path(path)
    try:
        data = read_bounded(p)
    except YamlBoundError as exc:
        raise ScenarioError(f"{p}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read: {exc.strerror}") from None
    return parse_scenario(data, str(p), overrides)
