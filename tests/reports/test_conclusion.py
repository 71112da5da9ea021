"""The conclusion's sentences for constructed summaries: it decides, names segments that get
slots only under one policy, marks ties and deterministic outcomes, and refuses a verdict when
a load run contradicts the simulator."""

from __future__ import annotations

import math

from reports.conclusion import agrees, conclusions, twin_conclusions
from reports.stats import estimate_metric


def reps(n: int = 5, **metrics: list[float] | float) -> list[dict[str, float]]:
    """n replications; a list gives each replication's value, a number the same in all."""
    out = []
    for i in range(n):
        out.append({k: (v[i] if isinstance(v, list) else v) for k, v in metrics.items()})
    return out


FCFS = reps(
    bot_share=1.0, patient_success=[0.001, 0.0, 0.002, 0.001, 0.0], slots_confirmed=30.0,
    **{"patient_success.mobile": [0.001, 0.0, 0.002, 0.001, 0.0], "patient_success.elderly": 0.0,
       "patients.mobile": 2000.0, "patients.elderly": 1000.0},
    burden_s_mean=0.0, overloaded_rate=0.05,
)
LOTTERY = reps(
    bot_share=[0.2, 0.25, 0.3, 0.2, 0.25], patient_success=[0.008, 0.0075, 0.007, 0.008, 0.0075],
    slots_confirmed=30.0,
    **{"patient_success.mobile": [0.008, 0.0075, 0.007, 0.008, 0.0075], "patient_success.elderly": [0.008, 0.0075,
       0.007, 0.008, 0.0075], "patients.mobile": 2000.0, "patients.elderly": 1000.0},
    burden_s_mean=[12.0, 13.0, 12.5, 12.0, 12.5], overloaded_rate=0.0,
)


def test_verdict_segments_cost_and_determinism() -> None:
    lines = conclusions({"fcfs": FCFS, "lottery": LOTTERY}, "lottery")
    verdict = lines[0]
    assert verdict.startswith("Verdict: lottery gives patients the most slots")
    assert "significant (Welch t-test, Holm-corrected)" in verdict and "not significant" not in verdict
    assert "Elderly patients get slots only under lottery (0.76% of them); under every other policy none." in lines
    cost = next(line for line in lines if line.startswith("Cost under lottery"))
    assert "patient burden 12 s per patient (fcfs: 0 s per patient)" in cost
    assert "requests rejected with 503 0.0 % (fcfs: 5.0 %)" in cost
    det = next(line for line in lines if line.startswith("Deterministic in the model here"))
    assert "bot share under fcfs (100%)" in det and "5 replications" in det


def test_a_tie_is_called_not_significant() -> None:
    close = reps(bot_share=0.9, patient_success=[0.0012, 0.0, 0.0018, 0.001, 0.0004], slots_confirmed=30.0,
                 **{"patients.all": 3000.0})
    lines = conclusions({"fcfs": FCFS, "close": close}, "close")
    assert "not significant (n.s., Holm-corrected)" in lines[0]
    assert any(line.startswith("Not significantly different from close") and "fcfs" in line for line in lines)


def test_a_load_run_that_contradicts_the_simulator_stops_the_verdict() -> None:
    load = {"fcfs": {"bot_share": 0.4, "patient_success": 0.006}}  # simulator: bots hold all 30 slots
    lines = conclusions({"fcfs": FCFS, "lottery": LOTTERY}, "lottery", load)
    assert lines[0].startswith("No verdict")
    assert not any(line.startswith("Verdict") for line in lines)
    why = next(line for line in lines if line.startswith("The load run under fcfs disagrees"))
    assert "bot share: 40% on the service vs 100% simulated" in why and "slotgrab twin" in why
    assert not any("under fcfs agrees" in line for line in lines)


def test_a_load_run_inside_the_interval_agrees() -> None:
    sim = estimate_metric(LOTTERY, "bot_share")
    load = {"lottery": {"bot_share": sim.mean, "patient_success": 0.0075}}
    lines = conclusions({"fcfs": FCFS, "lottery": LOTTERY}, "lottery", load)
    assert lines[0].startswith("Verdict: lottery")
    assert "The load run under lottery agrees with the simulator" in " ".join(lines)
    assert agrees(sim, sim.lo) and not agrees(sim, sim.hi + 0.01)


def test_twin_rows_use_the_twins_own_check_first() -> None:
    rows = [
        {"metric": "bot_share", "ci_low": 0.9, "ci_high": 1.0, "load": 0.5, "in_pi": True},
        {"metric": "patient_success", "ci_low": 0.01, "ci_high": 0.02, "load": 0.5},
    ]
    lines = twin_conclusions(rows)
    assert lines[0].startswith("The simulator does not reproduce the load run on patient success")
    assert lines[1] == "Inside the simulator's interval: bot share."
    assert twin_conclusions([]) == []
    assert math.isnan(estimate_metric([], "bot_share").mean)
