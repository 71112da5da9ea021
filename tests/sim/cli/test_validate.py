"""``slotgrab validate`` and ``slotgrab scenarios``."""

from __future__ import annotations

from sim.cli.app import app
from sim.scenario.loader import shipped_scenarios


def test_every_shipped_scenario_validates(runner):
    for path in shipped_scenarios():
        res = runner.invoke(app, ["validate", str(path)])
        assert res.exit_code == 0, res.output
        assert res.output.startswith("ok: ")


def test_validate_accepts_a_shipped_name(runner):
    res = runner.invoke(app, ["validate", "release-peak"])
    assert res.exit_code == 0 and "30 slots" in res.output


def test_validate_reports_the_problem_and_exits_2(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsupply: {departments: [{id: d, sessions: [{id: s, capacity: 3}]}]}\n"
                   "patients: [{segment: a, count: 10, arrival_s: {dist: gamma, k: 2}}]\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert str(bad) in res.output and "patients.0.arrival_s" in res.output
    assert "gamma" in res.output and "lognormal" in res.output  # the allowed tags


def test_validate_reports_bad_yaml_with_its_line(runner, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: x\n  a: [\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "line 2" in res.output


def test_scenarios_lists_one_line_per_shipped_file(runner):
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0
    lines = res.output.strip().splitlines()
    assert len(lines) == len(list(shipped_scenarios()))
    assert any(line.startswith("release-peak ") for line in lines)


def test_a_bad_item_is_reported_once_not_echoed_by_its_lists(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsupply: {departments: [{id: d, sessions: [{id: s, capacity: -3}]}]}\n"
                   "patients: [{segment: a, count: 1, arrival_s: 0}]\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert "supply.departments.0.sessions.0.capacity: value -3" in res.output
    assert "at least 1 item" not in res.output  # the enclosing lists are not "too short"


def test_an_empty_list_is_still_reported(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsupply: {departments: []}\npatients: [{segment: a, count: 1, arrival_s: 0}]\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "supply.departments" in res.output and "at least 1 item" in res.output
