"""Real, small, bounded load runs on 127.0.0.1: the reference service keeps its invariants and
the outcome metrics come from its truth; the naive service overbooks and ``slotgrab load``
says so with a non-zero exit; sharding over two Locust processes loses no agent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_kit import run_slotgrab, write_burst

from sim.agents.actions import STATUS_OF
from sim.records import read_records

pytestmark = pytest.mark.slow

def scenario(tmp_path: Path) -> Path:
    """150 patients watch the countdown and all click 50 ms after T0; a small bot crew snipes."""
    return write_burst(tmp_path, name="load-burst", patients=150, after_s=5)


def col(table, name):  # type: ignore[no-untyped-def]
    c = table.column(name)
    return np.asarray(c.cast(c.type.value_type) if hasattr(c.type, "value_type") else c)


def test_reference_service_keeps_its_invariants_and_reports_outcomes(
    tmp_path: Path
) -> None:
    out = tmp_path / "run"
    r = run_slotgrab("load", str(scenario(tmp_path)), "--out", str(out), "--no-report")
    assert r.returncode == 0, r.stderr
    t = read_records(out / "records" / "rep-000")
    req = t["requests"]
    planned, sent, done = col(req, "t_planned"), col(req, "t_sent"), col(req, "t_done")
    assert len(req) >= 150 + 10  # every patient listed the sessions, the winners held and paid
    assert np.all(sent >= planned - 0.002) and np.all(done >= sent)
    assert set(col(req, "code")) <= set(STATUS_OF)
    # the truth: exactly the capacity was confirmed, nothing overbooked
    events = col(t["bookings"], "event")
    assert (events == "confirm").sum() == 10
    summary = json.loads((out / "summary.json").read_text())["metrics"]
    m = {k: v["mean"] for k, v in summary.items()}
    assert m["invariant_violations"] == 0
    assert m["slots_confirmed"] == 10
    # bot share and patient success add up to what the target confirmed, by identity
    bot_persons = set(col(t["identities"], "person")[col(t["identities"], "kind") == "bot"])
    confirmed_persons = col(t["bookings"], "person")[events == "confirm"]
    bot_slots = sum(p in bot_persons for p in confirmed_persons)
    assert m["bot_share"] == pytest.approx(bot_slots / 10)
    assert m["patient_success"] == pytest.approx((10 - bot_slots) / 150)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["kind"] == "load" and meta["violations"] == []
    timing = json.loads((out / "timing.json").read_text())
    assert timing["latency_corrected"]["max_ms"] >= timing["latency"]["max_ms"]


def test_naive_service_overbooks_and_load_exits_non_zero(tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = run_slotgrab("load", str(scenario(tmp_path)), "--target", "naive", "--out", str(out), "--no-report")
    assert r.returncode == 1, r.stderr
    assert "overbooked" in r.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert "overbooked" in meta["violations"]
    summary = json.loads((out / "summary.json").read_text())["metrics"]
    assert summary["slots_confirmed"]["mean"] > 10


def test_two_processes_share_the_plan(tmp_path: Path, stub_target) -> None:  # type: ignore[no-untyped-def]
    url = stub_target()
    out = tmp_path / "run"
    r = run_slotgrab(
        "load", str(scenario(tmp_path)), "--target", url, "--processes", "2", "--out", str(out), "--no-report"
    )
    assert r.returncode == 0, r.stderr
    t = read_records(out / "records" / "rep-000")
    agents = set(col(t["agents"], "agent"))
    assert set(col(t["outcomes"], "agent")) == agents  # every agent of both shards ended
    assert set(col(t["requests"], "agent")) == agents
    meta = json.loads((out / "meta.json").read_text())
    assert meta["processes"] == 2
