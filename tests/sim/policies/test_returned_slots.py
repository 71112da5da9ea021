"""Returned slots: quarantine and random re-release defeat hold-and-transfer; slots sit idle
meanwhile. Waitlist and on-site pool mechanics."""

from __future__ import annotations

import math

import numpy as np
from policy_kit import SEEDS, codes, mean, policy_context, runs, scenario, with_policies

from sim.domain.ledger import Ledger
from sim.metrics.economics import resale_mask
from sim.metrics.view import RunView
from sim.policies.base import Request
from sim.policies.returned_slots import ReturnedSlots, ReturnedSlotsParams


def _return_delays(v: RunView) -> list[float]:
    """Seconds each cancelled slot stayed out of reach before it was bookable again."""
    b = v.table("bookings")
    ev = np.asarray(b.column("event").to_pylist())
    t = np.asarray(b.column("t").to_numpy())
    slot = np.asarray(b.column("slot").to_numpy())
    cancels = {
        int(s): float(x) for s, x in zip(slot[ev == "cancel"], t[ev == "cancel"], strict=True)
    }
    return [
        float(x) - cancels[int(s)]
        for s, x in zip(slot[ev == "return"], t[ev == "return"], strict=True)
        if int(s) in cancels
    ]


def test_quarantine_defeats_hold_and_transfer_but_leaves_slots_idle() -> None:
    crew = scenario(
        overrides={
            "bots.0.tactics": ["snipe", "hold_and_transfer"],
            "patients.0.resale_willing": 1.0,
            "patients.1.resale_willing": 1.0,
        }
    )
    fcfs = runs(crew, SEEDS[:4])
    quarantined = runs(with_policies(crew, "returned_slots"), SEEDS[:4])
    assert mean(int(resale_mask(v).sum()) for v in fcfs) >= 3
    assert mean(int(resale_mask(v).sum()) for v in quarantined) < 0.5  # the rebook misses
    # the cost: a returned slot is out of reach for minutes (FCFS: at once)
    assert max(d for v in fcfs for d in _return_delays(v)) == 0.0
    assert min(d for v in quarantined for d in _return_delays(v)) >= 60.0


def _handler(mode: str) -> tuple[ReturnedSlots, Ledger]:
    ledger = Ledger()
    ledger.add_session("s1", "derm", "", 2, [(0.0, 2)])
    ctx = policy_context(ledger, departments={"s1": "derm"}, dates={"s1": ""})
    policy = ReturnedSlots(ReturnedSlotsParams(mode=mode), ctx)  # type: ignore[arg-type]
    ledger.return_rule = policy.return_at
    return policy, ledger


def test_onsite_pool_withdraws_returned_slots() -> None:
    policy, ledger = _handler("onsite")
    h = ledger.hold("s1", 1, 1, 1.0, 900.0)
    assert not isinstance(h, str)
    ledger.cancel(h.hold_id, 1, 2.0)
    assert ledger.session_view("s1", 10_000.0).remaining == 1  # the cancelled one never returns
    assert policy.return_at("s1", 0, 5.0) == math.inf


def test_waitlist_gets_returned_slots_before_anyone_else() -> None:
    policy, ledger = _handler("waitlist")
    holds = [ledger.hold("s1", p, p, 1.0, 900.0) for p in (1, 2)]
    join = policy.before(Request("waitlist_join", 3, 3, 3, {"department": "derm"}), 2.0)
    assert join is not None and join.code == "queued"
    first = holds[0]
    assert not isinstance(first, str)
    ledger.cancel(first.hold_id, 1, 3.0)
    offer_made = policy.before(Request("hold", 9, 9, 9, {"session": "s1"}), 3.0)  # a racer
    assert offer_made is None and ledger.session_view("s1", 3.0).remaining == 0
    status = policy.before(Request("waitlist_status", 3, 3, 3, {"department": "derm"}), 4.0)
    assert status is not None and status.code == "ok" and status.body["person"] == 3


def _bot_holds_after_first_cancel(v: RunView) -> int:
    b = v.table("bookings")
    ev = np.asarray(b.column("event").to_pylist())
    t = np.asarray(b.column("t").to_numpy())
    persons = np.asarray(b.column("person").to_numpy())
    if not (ev == "cancel").any():
        return 0
    first = t[ev == "cancel"].min()
    return int(((ev == "hold") & (t > first) & v.is_bot_person(persons)).sum())


def test_waitlist_gives_returns_to_waiting_patients_not_to_scanning_bots() -> None:
    sc = scenario(overrides={"bots.0.tactics": ["snipe", "scan"], "bots.0.scan_interval_s": 5,
                             "patients.0.cancel_p": 0.5, "patients.1.cancel_p": 0.5})
    fcfs = runs(sc, SEEDS[:4])
    waitlist = runs(with_policies(sc, {"returned_slots": {"mode": "waitlist"}}), SEEDS[:4])
    assert sum(_bot_holds_after_first_cancel(v) for v in fcfs) > 0  # scanners catch returns
    assert sum(_bot_holds_after_first_cancel(v) for v in waitlist) == 0  # effect
    # the cost: waiting patients poll the waitlist until their patience runs out
    assert mean(codes(v).get("queued", 0) for v in waitlist) > 1000
