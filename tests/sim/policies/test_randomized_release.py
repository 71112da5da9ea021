"""Randomized release: arriving exactly on time stops paying; those who came on time pay."""

from __future__ import annotations

from policy_kit import SEEDS, bot_share, mean, policy_context, runs, scenario, with_policies

from sim.policies.randomized_release import RandomizedRelease, RandomizedReleaseParams


def _policy(**params: float) -> RandomizedRelease:
    ctx = policy_context()
    return RandomizedRelease(RandomizedReleaseParams(**params), ctx)


def test_batches_land_at_random_instants_inside_the_window() -> None:
    plan = _policy(window_s=300, batches=7).release_batches("s", [(0.0, 30)])
    assert sum(n for _, n in plan) == 30
    assert len(plan) == 7
    assert all(0.0 <= t <= 300.0 for t, _ in plan)
    assert len({t for t, _ in plan}) == 7  # distinct instants, not all at T0


def _segment_bookings(policy: object) -> tuple[int, int, float]:
    vs = runs(with_policies(scenario(), policy), SEEDS[:6])
    late = sum(int(v.patient_success[v.patient_segments == "elderly"].sum()) for v in vs)
    on_time = sum(int(v.patient_success[v.patient_segments == "mobile"].sum()) for v in vs)
    return late, on_time, mean(bot_share(v) for v in vs)


def test_late_arrivals_get_a_chance_and_on_time_patients_pay_for_it() -> None:
    late_fcfs, on_time_fcfs, _ = _segment_bookings("fcfs")
    late_rr, on_time_rr, _ = _segment_bookings(
        {"randomized_release": {"window_s": 300, "batches": 10}}
    )
    # effect: the elderly, who come during the next minutes, get slots that FCFS sold in a second
    assert late_fcfs <= 2
    assert late_rr > 10 * max(late_fcfs, 1)
    # cost: the patients who were there at the announced instant lose most of theirs
    assert on_time_rr < 0.6 * on_time_fcfs
