"""Rate limit per IP: cuts bot share until bots rotate IPs; a tight one hits patients too."""

from __future__ import annotations

import pytest
from policy_kit import SEEDS, bot_share, codes, mean, policy_context, runs, scenario, with_policies

from sim.policies.base import Request
from sim.policies.rate_limit import RateLimit, RateLimitParams


def test_per_ip_limit_cuts_bot_share_until_bots_rotate_ips() -> None:
    few_ips = scenario()
    rotating = scenario(overrides={"bots.0.ips": 400, "bots.0.on_rate_limit": "rotate"})
    seeds = SEEDS[:6]
    fcfs = mean(bot_share(v) for v in runs(few_ips, seeds))
    limited = mean(bot_share(v) for v in runs(with_policies(few_ips, "rate_limit"), seeds))
    rotated = mean(bot_share(v) for v in runs(with_policies(rotating, "rate_limit"), seeds))
    assert limited < 0.75 * fcfs  # effect: the crew's 4 IPs are throttled
    assert rotated > limited + 0.1  # 400 rotating IPs walk around the limit
    assert rotated >= 0.8 * fcfs


def test_a_tight_limit_rate_limits_refreshing_patients() -> None:
    tight = runs(
        with_policies(scenario(bots=False), {"rate_limit": {"rate_per_s": 0.2, "burst": 2}}),
        SEEDS[:2],
    )
    loose = runs(with_policies(scenario(bots=False), "rate_limit"), SEEDS[:2])
    assert all(codes(v).get("rate_limited", 0) > 100 for v in tight)  # cost: false positives
    assert all(
        codes(v).get("rate_limited", 0) < codes(t).get("rate_limited", 0)
        for v, t in zip(loose, tight, strict=True)
    )


def test_gcra_allows_the_burst_then_the_rate_with_retry_after() -> None:
    ctx = policy_context()
    rl = RateLimit(RateLimitParams(key="account", rate_per_s=2.0, burst=3), ctx)
    req = Request("hold", 7, 1, 1)
    assert [rl.before(req, 0.0) for _ in range(3)] == [None, None, None]
    refused = rl.before(req, 0.0)
    assert refused is not None and refused.code == "rate_limited"
    assert refused.retry_after == pytest.approx(0.5)
    assert rl.before(req, 0.5) is None  # one more after 1/rate
    assert rl.before(Request("hold", 8, 1, 1), 0.5) is None  # another account: its own bucket
