"""``--adapter`` and ``--adapter-opt``: declared once, used by every command that drives a target
(``load``, ``check``, ``twin``, ``calibrate``, ``adapter check``)."""

from __future__ import annotations

import typer

from sim.cli.errors import UsageError
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.adapter_spec import adapter_spec, is_mapping_file, parse_adapter_options
from sim.drivers.mapping_model import load_mapping

__all__ = ["adapter_opt_option", "adapter_option", "health_path", "resolve_adapter"]

_REFERENCE_HEALTH = "/v1/health"


def adapter_option() -> str | None:
    """The ``--adapter FILE.yaml|MODULE:CLASS`` option."""
    value: str | None = typer.Option(
        None,
        "--adapter",
        metavar="FILE.yaml|MODULE:CLASS",
        help="Target adapter: a mapping file or a Python class (default: the reference "
        "contract). See docs/adapters.md.",
    )
    return value


def adapter_opt_option() -> list[str]:
    """The repeatable ``--adapter-opt KEY=VALUE`` option."""
    value: list[str] = typer.Option(
        [],
        "--adapter-opt",
        metavar="KEY=VALUE",
        help="Adapter option (repeatable): a mapping file's {opt.KEY}, or options= of a class.",
    )
    return value


def resolve_adapter(spec: str | None, opts: list[str] | None) -> tuple[str | None, dict[str, str]]:
    """The adapter spec (a mapping file's path made absolute) and its options, checked by
    building the adapter once here — a bad file or a missing option is one clear error before
    any target is started."""
    try:
        spec = adapter_spec(spec)
        options = parse_adapter_options(opts)
        load_adapter(spec, options)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return spec, options


def health_path(spec: str | None, given: str) -> str:
    """The in-run reference endpoint: ``given``, unless it is the reference contract's default
    and a mapping file names its service's own ``health:`` path."""
    if given != _REFERENCE_HEALTH or not is_mapping_file(spec):
        return given
    return load_mapping(str(spec)).health or given
