"""Lottery: one entry per person makes a patient's chance independent of reaction time."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, policy_context, runs, scenario, with_policies

from sim.domain.ledger import Ledger
from sim.metrics.view import RunView
from sim.policies.base import Request
from sim.policies.lottery import Lottery, LotteryParams
from sim.rng import Streams


def _fast_half_share(vs: list[RunView]) -> float:
    """Share of the eager segment's bookings that went to its faster-reacting half."""
    fast = slow = 0
    for v in vs:
        eager = v.patient_segments == "mobile"
        ok, reaction = v.patient_success[eager], v.patient_trait("reaction")[eager]
        quick = reaction <= np.median(reaction)
        fast += int(ok[quick].sum())
        slow += int(ok[~quick].sum())
    return fast / max(fast + slow, 1)


def test_reaction_time_stops_mattering_but_patients_wait_for_the_draw() -> None:
    base = scenario(bots=False)
    fcfs = runs(base, SEEDS)
    lottery = runs(with_policies(base, {"lottery": {"close_s": 120}}), SEEDS)
    assert _fast_half_share(fcfs) > 0.9  # FCFS: the quick half takes (nearly) everything
    assert 0.35 < _fast_half_share(lottery) < 0.65  # a draw: either half as likely
    # cost: nobody books before the draw (under FCFS most have paid within a minute)
    assert all(np.nanmin(v.patient_booked_at) >= 120.0 for v in lottery)
    assert all(np.nanmedian(v.patient_booked_at) < 60.0 for v in fcfs)


def _lottery(close_s: float = 100.0) -> tuple[Lottery, Ledger]:
    ledger = Ledger()
    ledger.add_session("s1", "derm", "2026-11-30", 5, [(0.0, 5)])
    ctx = policy_context(ledger, seed=3, departments={"s1": "derm"}, dates={"s1": "2026-11-30"})
    return Lottery(LotteryParams(close_s=close_s), ctx), ledger


def _req(op: str, person: int, account: int | None = None) -> Request:
    return Request(
        op, account if account is not None else person, person, person, {"department": "derm"}
    )


def test_one_entry_per_person_and_winners_get_holds() -> None:
    lot, ledger = _lottery()
    assert lot.before(Request("hold", 1, 1, 1, {"session": "s1"}), 10.0).code == "lottery"
    for _ in range(5):  # repeats do not add entries
        assert lot.before(_req("lottery_enter", 1), 10.0).code == "queued"
    for person in range(2, 11):
        lot.before(_req("lottery_enter", person), 20.0)
    assert lot.ctx.store.get("lottery:derm:n") == 10
    results = [lot.before(_req("lottery_result", p), 100.0) for p in range(1, 11)]
    won = [r for r in results if r is not None and r.code == "ok"]
    assert len(won) == 5 and sum(r.code == "sold_out" for r in results if r) == 5
    assert ledger.sessions["s1"].held == 5
    assert lot.before(_req("lottery_enter", 99), 150.0).code == "expired"  # closed


def test_many_persons_still_mean_many_chances() -> None:
    """The identities advantage a lottery keeps: 20 real-name persons, 20 tickets."""
    wins = 0
    for seed in range(40):
        lot, _ = _lottery()
        lot.ctx.rng = Streams(seed, 0).generator("policy")
        for person in range(1, 41):  # persons 1..20 belong to one gang account
            lot.before(_req("lottery_enter", person, 7 if person <= 20 else person), 10.0)
        wins += sum(
            lot.before(_req("lottery_result", p, 7), 100.0).code == "ok" for p in range(1, 21)
        )
    assert 0.4 < wins / (40 * 5) < 0.6  # half the entries → about half the slots
