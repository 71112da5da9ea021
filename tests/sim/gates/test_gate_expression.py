"""Gate expressions: parsing, and validation of a scenario's gates at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.gates.expression import Gate, GateSyntaxError, parse_gate, parse_gate_table
from sim.scenario import ScenarioError, load_scenario

SCENARIO = """
name: gated
seed: 1
replications: 2
supply:
  departments:
    - {id: derm, sessions: [{id: d1, capacity: 5}]}
patients:
  - {segment: mobile, count: 50, arrival_s: {dist: uniform, low: 0, high: 10}}
"""


@pytest.mark.parametrize(
    ("text", "metric", "op", "threshold"),
    [
        ("bot_share < 0.10", "bot_share", "<", 0.10),
        ("patient_success>=0.6", "patient_success", ">=", 0.6),
        ("overbooked == 0", "overbooked", "==", 0.0),
        ("  latency_corrected_p99_ms <= 2.5e2 ", "latency_corrected_p99_ms", "<=", 250.0),
        ("patient_success.elderly > 0.3", "patient_success.elderly", ">", 0.3),
        ("requests.timeout != 0", "requests.timeout", "!=", 0.0),
    ],
)
def test_parse_reads_metric_comparator_and_threshold(
    text: str, metric: str, op: str, threshold: float
) -> None:
    gate = parse_gate(text, "load")
    assert (gate.metric, gate.comparator, gate.threshold, gate.kind) == (
        metric,
        op,
        threshold,
        "load",
    )


@pytest.mark.parametrize(
    "text",
    [
        "bot_share",
        "bot_share < ",
        "< 0.1",
        "bot_share ~ 0.1",
        "bot_share < abc",
        "bot_share < inf",
        "bot share < 0.1",
        "bot_share << 0.1",
    ],
)
def test_parse_rejects_malformed_gates(text: str) -> None:
    with pytest.raises(GateSyntaxError, match=r"METRIC COMPARATOR NUMBER|finite"):
        parse_gate(text)


def test_gate_text_round_trips() -> None:
    gate = parse_gate("bot_share <= 0.1")
    assert parse_gate(gate.text) == gate
    assert Gate("x", "==", 0.0).holds(0.0) and not Gate("x", "==", 0.0).holds(1e-6)


def test_table_error_names_entry_comparators_and_kinds() -> None:
    with pytest.raises(GateSyntaxError) as err:
        parse_gate_table({"simulate": ["bot_share < 0.1"], "load": ["ok < 1", "p99 >> 3"]})
    msg = str(err.value)
    assert "gates.load[1]" in msg and "'p99 >> 3'" in msg
    assert "<=" in msg and "!=" in msg and "simulate, load" in msg


def test_table_rejects_unknown_kind_and_bare_string() -> None:
    with pytest.raises(
        GateSyntaxError, match="'perf' is not a run kind; allowed kinds: simulate, load"
    ):
        parse_gate_table({"perf": ["x < 1"]})
    with pytest.raises(GateSyntaxError, match="expected a list"):
        parse_gate_table({"load": "x < 1"})


def test_scenario_load_validates_gates_naming_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        SCENARIO + 'gates: {simulate: ["bot_share < 0.1"], load: ["overbooked == 0"]}\n'
    )
    sc = load_scenario(good)
    assert sc.gates["load"] == ("overbooked == 0",)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO + 'gates: {simulate: ["bot_share < 0.1", "patient_success => 0.5"]}\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    msg = str(err.value)
    assert (
        str(bad) in msg
        and "gates" in msg
        and "'patient_success => 0.5'" in msg
        and "comparators" in msg
    )


def test_override_of_gates_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    with pytest.raises(ScenarioError, match="kinds: simulate, load"):
        load_scenario(path, {"gates": {"simulate": ["bot_share < x"]}})
