"""``slotgrab adapter new``: the files it writes validate (the mapping) or import and implement
the adapter protocol from the current directory (the Python skeleton); guesses from an OpenAPI
document pick the right routes; bad input is one error line."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.drivers.adapter import TargetAdapter
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.mapping_model import load_mapping

FOREIGN = Path(__file__).parents[1] / "drivers" / "foreign"


def _ticket_openapi(db: Path) -> dict:  # type: ignore[type-arg]
    """The OpenAPI document of the foreign reserve-only test service."""
    spec = importlib.util.spec_from_file_location("ticket_service", FOREIGN / "ticket_service.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.create_app(str(db)).openapi())


def test_new_writes_a_valid_commented_mapping_and_refuses_to_overwrite(
    runner: CliRunner, tmp_path: Path
) -> None:
    from sim.cli.app import app

    out = tmp_path / "svc.yaml"
    r = runner.invoke(app, ["adapter", "new", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("# slotgrab adapter") and load_mapping(out).operations
    r = runner.invoke(app, ["adapter", "new", "--out", str(out)])
    assert r.exit_code == 2 and "exists" in r.output


def test_new_from_openapi_guesses_the_listing_and_the_reserve_route(
    runner: CliRunner, tmp_path: Path
) -> None:
    from sim.cli.app import app

    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(_ticket_openapi(tmp_path / "t.db")))
    out = tmp_path / "tickets.yaml"
    r = runner.invoke(app, ["adapter", "new", "--openapi", str(spec), "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = load_mapping(out)
    hold = m.operations["hold"]
    assert (hold.method, hold.path) == ("PATCH", "/tickets/reserve")
    assert hold.body == {"ticket_id": "{slot}", "holder": "{person}"} and hold.pick == "first_free"
    assert m.operations["list_sessions"].path == "/tickets" and m.health == "/health"
    assert m.operations["confirm"].local == "ok"
    bad = runner.invoke(app, ["adapter", "new", "--openapi", str(tmp_path / "none.json"),
                              "--out", str(tmp_path / "x.yaml")])
    assert bad.exit_code == 2 and "cannot read an OpenAPI document" in bad.output


def test_python_skeleton_imports_from_the_current_directory_with_options(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.cli.app import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    r = runner.invoke(app, ["adapter", "new", "--python", "--out", "shop_adapter.py"])
    assert r.exit_code == 0, r.output
    adapter = load_adapter("shop_adapter:MyAdapter", {"region": "eu"})
    assert isinstance(adapter, TargetAdapter) and adapter.options == {"region": "eu"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["load", "twin", "check", "calibrate"])
def test_every_target_command_takes_the_adapter_options_and_rejects_a_bad_file_in_one_line(
    runner: CliRunner, tmp_path: Path, burst_file: Path, command: str
) -> None:
    from sim.cli.app import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("operations:\n  list_sessions: {path: /s}\n  hold: {path: /h, pick: firstfree}\n")
    scenario = [] if command == "calibrate" else [str(burst_file)]
    kind = ["--kind", "load"] if command == "check" else []
    r = runner.invoke(app, [command, *scenario, *kind, "--adapter", str(bad), "--adapter-opt", "a=b"])
    assert r.exit_code == 2
    errors = [line for line in r.output.splitlines() if line.strip()]
    assert len(errors) == 1 and "bad.yaml: operations.hold.pick" in errors[0] and "'per_lane'" in errors[0]


def test_adapter_opt_without_adapter_and_a_malformed_opt_are_usage_errors(
    runner: CliRunner, burst_file: Path
) -> None:
    from sim.cli.app import app

    r = runner.invoke(app, ["load", str(burst_file), "--adapter-opt", "db=x"])
    assert r.exit_code == 2 and "--adapter-opt needs --adapter" in r.output
    r = runner.invoke(app, ["load", str(burst_file), "--adapter", str(FOREIGN / "tickets.yaml"),
                            "--adapter-opt", "nokey"])
    assert r.exit_code == 2 and "expected KEY=VALUE" in r.output
