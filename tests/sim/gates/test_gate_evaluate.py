"""Gate verdicts: point values, confidence intervals, exact gates and the generator-lag rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.gates.evaluate import GateConfigError, evaluate_gate, evaluate_gates, worst
from sim.gates.expression import parse_gate, parse_gate_table
from sim.gates.values import MetricValue, from_samples, metric_values


def ci(mean: float, low: float, high: float, n: int = 10) -> MetricValue:
    return MetricValue(mean, low, high, n)


@pytest.mark.parametrize(
    ("gate", "value", "status"),
    [
        ("bot_share < 0.1", MetricValue.point(0.05), "pass"),
        ("bot_share < 0.1", MetricValue.point(0.1), "fail"),
        ("bot_share <= 0.1", MetricValue.point(0.1), "pass"),
        ("bot_share < 0.1", ci(0.05, 0.03, 0.07), "pass"),
        ("bot_share < 0.1", ci(0.5, 0.4, 0.6), "fail"),
        ("bot_share < 0.1", ci(0.09, 0.07, 0.11), "inconclusive"),  # CI straddles the threshold
        ("patient_success >= 0.6", ci(0.7, 0.65, 0.75), "pass"),
        ("patient_success >= 0.6", ci(0.62, 0.55, 0.69), "inconclusive"),
        ("patient_success >= 0.6", ci(0.4, 0.35, 0.45), "fail"),
        ("overbooked == 0", ci(0.0, 0.0, 0.0), "pass"),
        ("overbooked == 0", ci(0.2, -0.1, 0.5), "fail"),  # some replication overbooked
        ("overbooked == 0", MetricValue.point(3), "fail"),
        ("requests.timeout != 0", ci(4.0, 2.0, 6.0), "pass"),
        ("requests.timeout != 0", ci(1.0, -1.0, 3.0), "inconclusive"),
        ("latency_p99_ms < 250", MetricValue.point(math.nan), "inconclusive"),
    ],
)
def test_verdicts(gate: str, value: MetricValue, status: str) -> None:
    assert evaluate_gate(parse_gate(gate), value).status == status


def test_upper_limit_is_decided_on_the_ci_upper_bound() -> None:
    result = evaluate_gate(parse_gate("bot_share < 0.1"), ci(0.05, 0.03, 0.07))
    assert result.decided_on == 0.07 and "upper bound" in result.reason


def test_noise_within_the_ci_does_not_flip_a_gate() -> None:
    """Replicated runs of the same system, true mean 1.5 standard errors below the threshold:
    judging the mean alone flips between pass and fail; judging the CI never fails."""
    rng = np.random.default_rng(7)
    gate = parse_gate("bot_share < 0.1")
    n, sd = 10, 0.02
    true_mean = 0.1 - 1.5 * sd / math.sqrt(n)
    ci_verdicts, point_verdicts = set(), set()
    for _ in range(300):
        samples = rng.normal(true_mean, sd, n)
        ci_verdicts.add(evaluate_gate(gate, from_samples(samples)).status)
        point_verdicts.add(evaluate_gate(gate, MetricValue.point(float(samples.mean()))).status)
    assert point_verdicts == {"pass", "fail"}  # the naive reading flips
    assert "fail" not in ci_verdicts and "pass" in ci_verdicts


def test_metric_values_accepts_plain_and_ci_dicts_and_skips_labels() -> None:
    values = metric_values(
        {
            "a": 1,
            "b": {"mean": 2.0, "ci_low": 1.0, "ci_high": 3.0, "n": 5},
            "label": "fcfs",
            "table": {"x": 1},
            "flag": True,
        }
    )
    assert values["a"] == MetricValue.point(1.0)
    assert values["b"] == MetricValue(2.0, 1.0, 3.0, 5)
    assert "label" not in values and "table" not in values and values["flag"].mean == 1.0


def test_from_samples_interval_contains_mean_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(1)
    small, large = from_samples(rng.normal(0, 1, 5)), from_samples(rng.normal(0, 1, 500))
    assert small.ci_low < small.mean < small.ci_high
    assert (large.ci_high - large.ci_low) < (small.ci_high - small.ci_low)
    assert from_samples([math.nan]).is_nan


def test_missing_metric_is_a_configuration_error_listing_known_ones() -> None:
    gates = parse_gate_table({"simulate": ["bot_shar < 0.1"]})
    with pytest.raises(GateConfigError, match=r"bot_shar.*known metrics: bot_share"):
        evaluate_gates(gates, metric_values({"bot_share": 0.0}), "simulate")


def test_only_gates_of_the_run_kind_are_evaluated() -> None:
    gates = parse_gate_table({"simulate": ["bot_share < 0.1"], "load": ["overbooked == 0"]})
    results = evaluate_gates(gates, metric_values({"bot_share": 0.0}), "simulate")
    assert [r.gate.metric for r in results] == ["bot_share"]


LOAD_GATES = parse_gate_table(
    {"load": ["overbooked == 0", "latency_corrected_p99_ms < 250", "generator_lag_p99_ms < 50"]}
)


def test_lagging_generator_makes_timing_inconclusive_not_green() -> None:
    metrics = metric_values(
        {"overbooked": 0, "latency_corrected_p99_ms": 120, "generator_lag_p99_ms": 80}
    )
    results = {r.gate.metric: r.status for r in evaluate_gates(LOAD_GATES, metrics, "load")}
    assert results == {
        "overbooked": "pass",
        "latency_corrected_p99_ms": "inconclusive",
        "generator_lag_p99_ms": "inconclusive",
    }
    assert worst(results.values()) == "inconclusive"


def test_lagging_generator_does_not_excuse_an_outcome_failure() -> None:
    metrics = metric_values(
        {"overbooked": 2, "latency_corrected_p99_ms": 900, "generator_lag_p99_ms": 80}
    )
    results = {r.gate.metric: r.status for r in evaluate_gates(LOAD_GATES, metrics, "load")}
    assert results["overbooked"] == "fail" and results["latency_corrected_p99_ms"] == "inconclusive"
    assert worst(results.values()) == "fail"


def test_on_time_generator_keeps_latency_failures() -> None:
    metrics = metric_values(
        {"overbooked": 0, "latency_corrected_p99_ms": 400, "generator_lag_p99_ms": 5}
    )
    results = {r.gate.metric: r.status for r in evaluate_gates(LOAD_GATES, metrics, "load")}
    assert (
        results["latency_corrected_p99_ms"] == "fail" and results["generator_lag_p99_ms"] == "pass"
    )


def test_load_run_without_a_lag_gate_gets_the_implicit_one() -> None:
    gates = parse_gate_table({"load": ["latency_corrected_p99_ms < 250"]})
    metrics = metric_values({"latency_corrected_p99_ms": 100, "generator_lag_p99_ms": 400})
    results = evaluate_gates(gates, metrics, "load")
    implicit = [r for r in results if r.implicit]
    assert len(implicit) == 1 and implicit[0].gate.text == "generator_lag_p99_ms < 50"
    assert {r.status for r in results} == {"inconclusive"}
