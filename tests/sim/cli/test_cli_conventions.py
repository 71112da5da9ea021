"""CLI conventions: help texts a person can read, shell completion, ``--json``, ``-`` for
stdin, ``serve SCENARIO`` and one naming rule for run folders."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main
from cli_kit import write_burst
from typer.testing import CliRunner

from sim.cli.app import app
from sim.cli.help_text import first_sentence, plain
from sim.experiments.rundir import run_folder

_REST = re.compile(r"``|:(func|class|mod|meth|attr|data|py):`|`_\b")


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under a Click group (Typer vendors its own Click: duck-typed)."""
    out = []
    for name, cmd in group.commands.items():
        out.append((*path, name))
        if hasattr(cmd, "commands"):
            out += _commands(cmd, (*path, name))
    return out


def test_every_help_is_free_of_rest_markup_and_lists_whole_sentences(runner: CliRunner) -> None:
    root = typer.main.get_command(app)
    paths = _commands(root)
    assert len(paths) > 15 and ("bench", "load") in paths
    for path in [(), *paths]:
        res = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert res.exit_code == 0, (path, res.output)
        assert not _REST.search(res.output), (path, _REST.search(res.output))
        listing = res.output.split("Commands:")[-1] if "Commands:" in res.output else ""
        assert not re.search(r"\.\.\.\s*$", listing, re.M), (path, listing)  # Click's cut


def test_help_text_helpers() -> None:
    assert plain("Speed-up of ``slotgrab compare`` vs :func:`~sim.rng.streams`.") == \
        "Speed-up of slotgrab compare vs streams."
    assert first_sentence("Run it, e.g. twice. Then stop.\n\nMore.") == "Run it, e.g. twice."


def test_shell_completion_is_offered(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--help"])
    assert "--install-completion" in res.output and "--show-completion" in res.output


def test_scenario_from_stdin(runner: CliRunner, tmp_path: Path) -> None:
    text = write_burst(tmp_path, name="piped", patients=5, after_s=2).read_text()
    res = runner.invoke(app, ["validate", "-", "--json"], input=text)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["ok"] and doc["scenario"] == "piped" and doc["patients"] == 5
    bad = runner.invoke(app, ["validate", "-"], input="name: [\n")
    assert bad.exit_code == 2 and "stdin" in bad.output and "not valid YAML" in bad.output


@pytest.mark.parametrize("args", [["scenarios"], ["policies"], ["policies", "captcha"],
                                  ["validate", "release-peak"]])
def test_json_is_one_strict_document(runner: CliRunner, args: list[str]) -> None:
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert doc


def test_policies_json_lists_every_policy_with_its_parameters(runner: CliRunner) -> None:
    doc = json.loads(runner.invoke(app, ["policies", "--json"]).output)
    names = [p["name"] for p in doc]
    assert "fcfs" in names and "captcha" in names and names == sorted(names)
    assert all({"name", "summary", "ops", "codes", "params"} <= set(p) for p in doc)


def test_simulate_json_and_quiet(runner: CliRunner, tmp_path: Path) -> None:
    scenario = write_burst(tmp_path, name="quiet", patients=20, after_s=2)
    res = runner.invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "a"), "--quiet",
                              "--no-report"])
    assert res.exit_code == 0 and res.output.strip() == str(tmp_path / "a")
    res = runner.invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "b"), "--json",
                              "--no-report"])
    doc = json.loads(res.output)
    assert doc["run_folder"] == str(tmp_path / "b") and "bot_share" in doc["metrics"]


def test_serve_takes_the_scenario_as_its_first_argument(runner: CliRunner) -> None:
    new = runner.invoke(app, ["serve", "/no/such/file.yaml", "--port", "1"])
    assert new.exit_code == 2 and "/no/such/file.yaml" in new.output
    old = runner.invoke(app, ["serve", "--scenario", "/no/such/file.yaml", "--port", "1"])
    assert old.exit_code == 2 and "/no/such/file.yaml" in old.output
    assert "deprecated" in old.output
    both = runner.invoke(app, ["serve", "a.yaml", "--scenario", "b.yaml", "--port", "1"])
    assert both.exit_code == 2 and "once" in both.output


def test_run_folders_are_named_by_one_rule(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)
    first = run_folder("release-peak", "load", tmp_path, now)
    assert first == tmp_path / "release-peak-load-20261202-140509"
    first.mkdir()
    assert run_folder("release-peak", "load", tmp_path, now).name.endswith("-140509-2")
    with pytest.raises(ValueError, match="allowed"):
        run_folder("x", "nonsense", tmp_path, now)


def test_no_command_names_its_folder_by_hand() -> None:
    cli = Path(__file__).parents[3] / "sim"
    offenders = [p for p in cli.rglob("*.py") if p.name != "rundir.py"
                 and re.search(r"default_run_dir\(|strftime\(", p.read_text())]
    assert offenders == []
