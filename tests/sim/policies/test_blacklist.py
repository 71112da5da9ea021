"""Anomaly blacklist: a crew that reuses a few identities is banned before the release; big
rotating pools stay under the threshold; patients behind a shared IP get banned too."""

from __future__ import annotations

from policy_kit import SEEDS, mean, runs, scenario, with_policies

from sim.domain.ledger import Ledger
from sim.metrics.view import RunView
from sim.policies.base import PolicyContext, Request
from sim.policies.blacklist import Blacklist, BlacklistParams
from sim.policies.store import MemoryStore
from sim.rng import Streams

_STRICT = {"blacklist": {"max_requests": 5, "window_s": 60}}


def _bot_slots(v: RunView) -> int:
    return int(v.is_bot_person(v.final_bookings.person).sum())


def test_bans_a_crew_with_few_identities_not_one_with_big_pools() -> None:
    few = scenario()  # 4 IPs, 20 accounts, 60 persons, firing from a second before T0
    big = scenario(overrides={"bots.0.ips": 600, "bots.0.accounts": 600, "bots.0.persons": 600,
                              "bots.0.on_rate_limit": "rotate"})
    seeds = SEEDS[:4]
    assert mean(_bot_slots(v) for v in runs(with_policies(few, _STRICT), seeds)) < 0.5 * mean(
        _bot_slots(v) for v in runs(few, seeds)
    )
    assert mean(_bot_slots(v) for v in runs(with_policies(big, _STRICT), seeds)) >= 0.8 * mean(
        _bot_slots(v) for v in runs(big, seeds)
    )


def test_patients_behind_one_shared_ip_are_banned_together() -> None:
    """The cost: a hospital Wi-Fi or a carrier NAT looks like one busy client."""
    ctx = PolicyContext(MemoryStore(), Streams(1, 0).generator("policy"), Ledger(), 900.0, {}, {})
    bl = Blacklist(BlacklistParams(max_requests=5, window_s=60), ctx)
    answers = [bl.before(Request("hold", p, p, 77, {"session": "s"}), 1.0 + p) for p in range(1, 9)]
    blocked = [a for a in answers if a is not None]
    assert [a.code for a in blocked] == ["blocked"] * 3  # the 6th, 7th and 8th patient
    assert all(a.body["key"] == "ip" for a in blocked)
    later = bl.before(Request("hold", 50, 50, 77, {"session": "s"}), 86_400.0)
    assert later is not None and later.code == "blocked" and later.retry_after > 80 * 86_400
