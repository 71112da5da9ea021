import math

from sim.metrics import summarize
from sim.metrics.registry import all_groups, zero_when_absent

STABLE = ("bot_share", "patient_success", "patient_success.a", "jain_index", "time_to_book_p50_s",
          "time_to_book_p90_s", "attempts_per_success", "false_positive_rate", "overloaded_rate",
          "timeout_rate", "latency_p99_ms", "peak_rps", "amplification", "invariant_violations",
          "unused_slots", "burden_s_mean")


def test_summary_has_the_stable_names(toy_tables, toy_meta):
    s = summarize(toy_tables, toy_meta)
    missing = [k for k in STABLE if k not in s]
    assert not missing
    assert all(isinstance(v, float) for v in s.values())
    assert s["bot_share"] == 0.5 and not math.isnan(s["latency_p99_ms"])


def test_groups_are_discovered_in_display_order():
    names = list(all_groups())
    assert names[:3] == ["slots", "fairness", "timing"]
    assert "invariants" in names and "service" in names


def test_absent_request_codes_mean_zero():
    assert zero_when_absent("requests.timeout")
    assert not zero_when_absent("patient_success.elderly")
