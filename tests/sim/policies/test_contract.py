"""What every policy promises the reference service: no state on the object, JSON-able store
values, and deferred (slow-lane) re-entries not checked twice."""

from __future__ import annotations

import copy
import json

import pytest
from policy_kit import policy_context

from sim.domain.ledger import Ledger
from sim.policies.base import Policy, PolicyContext, Request
from sim.policies.rate_limit import RateLimit, RateLimitParams
from sim.policies.registry import all_policies
from sim.policies.slow_queue import SlowQueue, SlowQueueParams
from sim.policies.stack import PolicyStack
from sim.policies.store import MemoryStore

_OPS = ("list_sessions", "hold", "confirm", "cancel", "enter_queue", "lottery_enter", "lottery_result",
        "waitlist_join", "waitlist_status", "reverify")


def _context(store: MemoryStore) -> PolicyContext:
    ledger = Ledger()
    ledger.add_session("s1", "derm", "2026-11-30", 5, [(0.0, 5)])
    return policy_context(ledger, departments={"s1": "derm"}, dates={"s1": "2026-11-30"}, store=store)


def _traffic(policy: Policy) -> None:
    """Many identities, every op, before and after the release and the lottery draw."""
    for i in range(400):
        now = -30.0 + i * 1.5
        who = i % 7
        args = {"session": "s1", "department": "derm", "hold": 1 + i % 3}
        req = Request(_OPS[i % len(_OPS)], who, 100 + who, 1000 + who % 3, args)
        policy.before(req, now)
        policy.after(req, "ok" if i % 2 else "sold_out", {"hold_id": 1, "state": "held"}, now)
        policy.return_at("s1", i % 5, now)


@pytest.mark.parametrize("name", sorted(all_policies()))
def test_policy_keeps_its_state_in_the_store_as_json(name: str) -> None:
    cls = all_policies()[name]
    store = MemoryStore()
    policy = cls(cls.Params(), _context(store))
    policy.release_batches("s1", [(0.0, 5)])
    policy.hold_ttl(900.0)
    own = {k: copy.deepcopy(v) for k, v in vars(policy).items() if k != "ctx"}
    _traffic(policy)
    assert {k: v for k, v in vars(policy).items() if k != "ctx"} == own  # nothing kept on the object
    for key in store.keys(""):
        json.dumps(store.get(key))  # raises if a value is not JSON-able


def test_a_deferred_reentry_is_not_checked_or_counted_again() -> None:
    store = MemoryStore()
    ctx = _context(store)
    stack = PolicyStack([SlowQueue(SlowQueueParams(threshold=1), ctx),
                         RateLimit(RateLimitParams(rate_per_s=0.1, burst=2), ctx)])
    hold = Request("hold", 1, 1, 1, {"session": "s1"})
    assert stack.before(hold, 0.0) is None
    delayed = stack.before(hold, 0.1)
    assert delayed is not None and delayed.code is None and delayed.delay_s == 5.0
    tat = store.get("rate:ip:0.1:2:1")
    again = Request("hold", 1, 1, 1, {"session": "s1", "deferred": True})
    assert stack.before(again, 5.1) is None  # served, not delayed or limited again
    assert store.get("rate:ip:0.1:2:1") == tat  # and not counted twice
