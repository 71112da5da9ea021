"""The simulator/load agreement check: rows inside the simulator's CI agree; a row outside is
flagged with its measured cause (horizon shorter than the settle time, or another scale)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.demo.agreement as agreement
from reports.runs import Run


def _scenario(patients: int, slots: int, after_s: float) -> dict:
    return {"horizon": {"after_s": after_s}, "patients": [{"count": patients}],
            "supply": {"departments": [{"sessions": [{"capacity": slots}]}]}}


def _run(kind: str, scenario: dict, reps: list[dict[str, float]]) -> Run:
    return Run(Path(kind), kind, {}, "", scenario, {"waiting_room": reps})


SIM = [{"bot_share": b, "patient_success": p, "slots_confirmed": 30.0}
       for b, p in [(0.03, 0.0097), (0.04, 0.0095), (0.02, 0.0099), (0.03, 0.0096)]]


@pytest.fixture
def runs(monkeypatch):
    found: dict[str, Run] = {}
    monkeypatch.setattr(agreement, "load_run", lambda path: found[str(path)])
    return found


def test_a_load_run_inside_the_ci_agrees(runs):
    runs["sim"] = _run("compare", _scenario(3000, 30, 1800), SIM)
    runs["load"] = _run("load", _scenario(3000, 30, 300),
                        [{"bot_share": 0.033, "patient_success": 0.0097, "slots_confirmed": 30.0}])
    rows = agreement.check_agreement(Path("sim"), [Path("load")])
    assert [r.agrees for r in rows] == [True, True] and all(r.cause == "" for r in rows)


def test_a_short_load_run_is_flagged_with_the_horizon(runs, monkeypatch):
    monkeypatch.setattr(agreement, "settle_time_s", lambda run, policy: 234.0)
    runs["sim"] = _run("compare", _scenario(3000, 30, 1800), SIM)
    runs["load"] = _run("load", _scenario(300, 30, 10),
                        [{"bot_share": 0.8, "patient_success": 0.02, "slots_confirmed": 5.0}])
    rows = agreement.check_agreement(Path("sim"), [Path("load")])
    share = next(r for r in rows if r.metric == "bot_share")
    assert not share.agrees
    assert "ends 10 s after T0" in share.cause and "234 s" in share.cause


def test_a_scaled_down_load_run_is_flagged_with_the_scale(runs):
    runs["sim"] = _run("compare", _scenario(3000, 30, 1800), SIM)
    runs["load"] = _run("load", _scenario(300, 30, 1800),
                        [{"bot_share": 0.03, "patient_success": 0.09, "slots_confirmed": 30.0}])
    rows = agreement.check_agreement(Path("sim"), [Path("load")])
    success = next(r for r in rows if r.metric == "patient_success")
    assert not success.agrees and success.cause.startswith("scale: 10 patients per slot")


def test_a_crew_that_cannot_scale_down_is_named(runs):
    sim_sc = {**_scenario(3000, 30, 1800), "bots": [{"devices": 4, "lanes": 7}]}
    load_sc = {**_scenario(300, 3, 1800), "bots": [{"devices": 1, "lanes": 7}]}
    runs["sim"] = _run("compare", sim_sc, SIM)
    runs["load"] = _run("load", load_sc,
                        [{"bot_share": 1.0, "patient_success": 0.0, "slots_confirmed": 3.0}])
    rows = agreement.check_agreement(Path("sim"), [Path("load")])
    share = next(r for r in rows if r.metric == "bot_share")
    assert not share.agrees and share.cause.startswith("crew scale: 2.33 bot connections per slot")


def test_needed_horizon_is_the_settle_time_plus_margin_with_a_floor(monkeypatch):
    monkeypatch.setattr(agreement, "settle_time_s", lambda run, policy: 234.2)
    assert agreement.needed_after_s(None, "waiting_room", 10.0) == 245.0  # ceil(234.2 + 10)
    monkeypatch.setattr(agreement, "settle_time_s", lambda run, policy: 0.4)
    assert agreement.needed_after_s(None, "fcfs", 30.0) == 30.0  # FCFS settles at once
    monkeypatch.setattr(agreement, "settle_time_s", lambda run, policy: float("nan"))
    assert agreement.needed_after_s(None, "fcfs", 10.0) == 10.0  # no records kept
