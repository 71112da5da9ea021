"""Baselines: relative regression checks, directions, and normalisation by in-run references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.gates.baseline import Baseline, BaselineError, compare, direction_of, parse_tolerances
from sim.gates.expression import parse_gate_table
from sim.gates.values import MetricValue, metric_values

GATES = parse_gate_table({"load": ["latency_corrected_p99_ms < 250", "patient_success >= 0.5"]})


def base(metrics: dict[str, float], refs: dict[str, float] | None = None) -> Baseline:
    return Baseline("release-peak", "load", metric_values(metrics), refs or {}, {})


def verdicts(
    current: dict[str, float],
    refs: dict[str, float],
    baseline: Baseline,
    tolerances: dict[str, float] | None = None,
) -> dict[str, str]:
    results = compare(metric_values(current), refs, baseline, current, tolerances or {}, GATES)
    return {r.metric: r.status for r in results}


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    b = Baseline(
        "release-peak",
        "simulate",
        {"bot_share": MetricValue(0.2, 0.1, 0.3, 5)},
        {"reference_rate_per_s": 1e6},
        {"commit": "abc"},
    )
    path = tmp_path / "b" / "baseline.json"
    b.save(path)
    assert Baseline.load(path) == b


def test_load_rejects_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="not found"):
        Baseline.load(tmp_path / "nope.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"bot_share": 0.1}))
    with pytest.raises(BaselineError, match="--save-baseline"):
        Baseline.load(other)


def test_direction_comes_from_the_gate_then_the_name() -> None:
    assert direction_of("latency_corrected_p99_ms", GATES) == "higher_is_worse"
    assert direction_of("patient_success", GATES) == "lower_is_worse"
    assert direction_of("bot_share") == "higher_is_worse"
    assert direction_of("sim_requests_per_s") == "lower_is_worse"
    assert direction_of("slots_released") == "any_change"


def test_outcome_regression_beyond_tolerance_fails_improvement_passes() -> None:
    b = base({"patient_success": 0.6, "bot_share": 0.2})
    assert verdicts({"patient_success": 0.5, "bot_share": 0.2}, {}, b)["patient_success"] == "fail"
    assert verdicts({"patient_success": 0.58, "bot_share": 0.1}, {}, b) == {
        "patient_success": "pass",
        "bot_share": "pass",
    }
    assert (
        verdicts({"patient_success": 0.5, "bot_share": 0.2}, {}, b, {"patient_success": 0.2})[
            "patient_success"
        ]
        == "pass"
    )


def test_zero_baseline_uses_an_absolute_tolerance() -> None:
    b = base({"invariant_violations": 0.0})
    assert verdicts({"invariant_violations": 0.0}, {}, b)["invariant_violations"] == "pass"
    assert verdicts({"invariant_violations": 1.0}, {}, b)["invariant_violations"] == "fail"


def test_service_slowdown_is_a_regression_but_a_slower_machine_is_not() -> None:
    """Latencies are compared as ratios to a trivial endpoint's latency from the same run."""
    b = base({"latency_corrected_p99_ms": 100.0}, {"reference_latency_ms": 2.0})
    slower_service = verdicts({"latency_corrected_p99_ms": 130.0}, {"reference_latency_ms": 2.0}, b)
    slower_machine = verdicts({"latency_corrected_p99_ms": 130.0}, {"reference_latency_ms": 2.6}, b)
    assert slower_service == {"latency_corrected_p99_ms": "fail"}
    assert slower_machine == {"latency_corrected_p99_ms": "pass"}


def test_without_a_reference_on_both_sides_raw_values_are_compared() -> None:
    b = base({"latency_corrected_p99_ms": 100.0})
    results = compare(
        metric_values({"latency_corrected_p99_ms": 130.0}),
        {"reference_latency_ms": 2.6},
        b,
        ["latency_corrected_p99_ms"],
        {},
        GATES,
    )
    assert results[0].status == "fail" and results[0].normalised_by is None


def test_metrics_missing_from_either_run_are_skipped() -> None:
    b = base({"bot_share": 0.1})
    assert verdicts({"patient_success": 0.9}, {}, b) == {}


@pytest.mark.parametrize("bad", ["latency", "latency=", "latency=-1", "=0.2", "latency=abc"])
def test_tolerance_flags_are_validated(bad: str) -> None:
    with pytest.raises(BaselineError, match="METRIC=REL"):
        parse_tolerances([bad])
    assert parse_tolerances(["a=0.25", "b = 0"]) == {"a": 0.25, "b": 0.0}


def test_timing_regressions_are_inconclusive_when_the_generator_lagged() -> None:
    b = base({"latency_corrected_p99_ms": 100.0, "bot_share": 0.1}, {"reference_latency_ms": 2.0})
    current = metric_values({"latency_corrected_p99_ms": 200.0, "bot_share": 0.5})
    results = compare(
        current,
        {"reference_latency_ms": 2.0},
        b,
        ["latency_corrected_p99_ms", "bot_share"],
        {},
        GATES,
        timing_trusted=False,
    )
    assert {r.metric: r.status for r in results} == {
        "latency_corrected_p99_ms": "inconclusive",
        "bot_share": "fail",
    }
