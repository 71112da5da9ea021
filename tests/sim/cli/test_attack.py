"""``slotgrab attack`` and ``compare --adaptive`` end to end: tables, run folder, the saved
attack reruns to the same numbers, reports, and errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from sim.cli.app import app
from sim.experiments.matrix import run_cell
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.overrides import parse_set_options

SMALL = ["--set", "patients.mobile.count=200", "--set", "patients.elderly.count=40",
         "--set", "patients.slow-network.count=30", "--set", "horizon.after_s=200"]


def test_attack_writes_a_fragment_that_reruns_to_the_confirmed_numbers(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "att"
    res = runner.invoke(app, ["attack", "release-peak", "--policy", "{rate_limit: {key: ip}}", "--trials", "4",
                              "--seeds", "1", "--confirm-seeds", "2", "--workers", "1", "--out", str(out), *SMALL])
    assert res.exit_code == 0, res.output
    assert "nominal" in res.output and "Against rate_limit(key=ip)" in res.output
    doc = json.loads((out / "attack.json").read_text())
    assert {p.name for p in out.iterdir()} >= {"attack.json", "attack.yaml", "trials.csv", "scenario.yaml",
                                               "report.html", "report.md", "attack-search.png"}
    fragment = yaml.safe_load((out / "attack.yaml").read_text())
    assert fragment["policies"] == [{"name": "rate_limit", "params": {"key": "ip"}}]
    # the saved attack, applied with --set @FILE, gives the best crew's first confirmation replication
    base = load_scenario(resolve_path("release-peak"), parse_set_options([*SMALL[1::2], f"@{out / 'attack.yaml'}"]))
    again = run_cell(base, 1)["bot_share_total"]  # confirmation reps start after the 1 search seed
    assert again == doc["best"]["stats"]["bot_share_total"]["values"][0]


def test_set_at_file_errors_name_the_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    res = runner.invoke(app, ["validate", "release-peak", "--set", f"@{bad}"])
    assert res.exit_code == 2
    assert f"--set @{bad}: expected a mapping of dotted paths" in res.output
    res = runner.invoke(app, ["validate", "release-peak", "--set", f"@{tmp_path / 'missing.yaml'}"])
    assert res.exit_code == 2 and "cannot read the file" in res.output


def test_attack_rejects_an_unknown_objective_and_crew(runner: CliRunner) -> None:
    res = runner.invoke(app, ["attack", "release-peak", "--objective", "fame"])
    assert res.exit_code == 2 and "allowed: bot_share, profit" in res.output
    res = runner.invoke(app, ["attack", "release-peak", "--crew", "nobody"])
    assert res.exit_code == 2 and "no crew named 'nobody'" in res.output


def test_compare_adaptive_ranks_by_worst_case(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", "release-peak", "--policy", "fcfs", "--policy", "randomized_release",
                              "--seeds", "1", "--workers", "1", "--adaptive", "--attack-trials", "3",
                              "--out", str(out), *SMALL])
    assert res.exit_code == 0, res.output
    assert "Most robust:" in res.output
    docs = json.loads((out / "adaptive.json").read_text())["stacks"]
    assert [d["policy"] for d in docs] == ["fcfs", "randomized_release"]
    for d in docs:
        worst = d["best"] if d["worst_is"] == "best" else d["nominal"]
        assert worst["stats"]["bot_share_total"]["mean"] >= d["nominal"]["stats"]["bot_share_total"]["mean"]
    assert (out / "adaptive.html").exists() and (out / "attack-0.yaml").exists()
