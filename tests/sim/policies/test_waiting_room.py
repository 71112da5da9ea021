"""Waiting room: a randomized pre-queue removes the arrive-early advantage, not the
many-identities one, and patients pay in queueing time."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, burden, mean, policy_context, runs, scenario, with_policies

from sim.metrics.view import RunView
from sim.policies.base import Request
from sim.policies.waiting_room import WaitingRoom, WaitingRoomParams


def _early_half_share(vs: list[RunView]) -> float:
    """Share of bookings that went to the half of the pre-queue that arrived first."""
    early = late = 0
    for v in vs:
        ok, arrival = v.patient_success, v.patient_trait("arrival")
        first = arrival <= np.median(arrival)
        early += int(ok[first].sum())
        late += int(ok[~first].sum())
    return early / max(early + late, 1)


def test_randomized_prequeue_removes_the_arrive_early_advantage_at_a_queueing_cost() -> None:
    # everyone arrives during the five minutes before the release and waits as long as needed
    sc = scenario(
        bots=False,
        overrides={
            "patients.0.count": 300,
            "patients.1.count": 0,
            "patients.0.patience_s": 3000,
            "horizon.before_s": 400,  # the simulated window must hold the early arrivals
            "patients.0.arrival_s": {"dist": "uniform", "low": -300, "high": -1},
        },
    )
    fifo = runs(with_policies(sc, {"waiting_room": {"randomize": False, "rate_per_s": 2}}), SEEDS)
    shuffled = runs(
        with_policies(sc, {"waiting_room": {"randomize": True, "rate_per_s": 2}}), SEEDS
    )
    assert _early_half_share(fifo) > 0.9  # strict order: coming early is all that counts
    assert 0.35 < _early_half_share(shuffled) < 0.6  # shuffled: it does not
    assert mean(burden(v, "queue_s") for v in shuffled) > 10.0  # cost: seconds in the queue
    assert mean(burden(v, "queue_s") for v in runs(sc, SEEDS[:2])) == 0.0


def _room(seed: int) -> WaitingRoom:
    ctx = policy_context(seed=seed)
    return WaitingRoom(WaitingRoomParams(rate_per_s=1.0), ctx)


def _admitted_at(room: WaitingRoom, account: int, t: float) -> float:
    v = room.before(Request("enter_queue", account, account, account), t)
    assert v is not None
    if v.code == "ok":
        return t
    return t + float(v.retry_after or 0.0)


def test_many_accounts_keep_the_many_identities_advantage() -> None:
    """A gang with 20 accounts holds 20 pre-queue tickets: its best one is early."""
    gang_first = single_first = 0
    for seed in range(30):
        room = _room(seed)
        for account in range(1, 201):  # 200 tickets before the opening; 1..20 are the gang's
            room.before(Request("enter_queue", account, account, account), -60.0 + account * 0.1)
        admit = {a: _admitted_at(room, a, 0.0) for a in range(1, 201)}
        first_ten = sorted(admit, key=admit.__getitem__)[:10]
        gang_first += any(a <= 20 for a in first_ten)
        single_first += 100 in first_ten
    assert gang_first >= 20  # the gang is among the first ten admitted almost every time
    assert single_first <= 8  # one patient with one ticket: about 1 time in 20


def test_token_gates_booking_ops() -> None:
    room = _room(1)
    refused = room.before(Request("hold", 5, 5, 5, {"session": "s"}), 1.0)
    assert refused is not None and refused.code == "waiting_room"
    ok = room.before(Request("enter_queue", 5, 5, 5), 1.0)  # empty queue: admitted at once
    assert ok is not None and ok.code == "ok"
    with_token = {"session": "s", "token": ok.body["token"]}
    assert room.before(Request("hold", 5, 5, 5, with_token), 2.0) is None
    borrowed = room.before(Request("hold", 6, 6, 6, with_token), 2.0)
    assert borrowed is not None and borrowed.code == "waiting_room"  # bound to its account
    late = room.before(Request("hold", 5, 5, 5, with_token), 1.0 + 901.0)
    assert late is not None and late.code == "waiting_room"  # the token lapsed
