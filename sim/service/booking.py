"""The booking service's logic: operations on the ledger behind the policy stack.

This is the part of the service that the simulator and the reference HTTP service share:
``handle(request, now)`` runs the policies' checks, performs the operation on a ledger and
answers with a stable code. It knows nothing of queues, HTTP or threads; the modelled service
(:mod:`sim.service.queueing` and the SimPy driver) puts it behind simulated workers, the reference service behind
FastAPI and a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.domain.port import LedgerPort, hold_body
from sim.policies.base import Request
from sim.policies.stack import PolicyStack
from sim.policies.store import StateStore
from sim.scenario.model import Scenario

__all__ = ["BookingService", "Reply"]


@dataclass(init=False, slots=True)
class Reply:
    """The service's answer. ``code == "deferred"``: serve again after ``delay_s`` (slow lane)."""

    code: str
    body: dict[str, Any]
    retry_after: float | None
    delay_s: float

    # written out, not generated: one per request, and a generated __init__ costs ~3x when compiled
    def __init__(self, code: str, body: dict[str, Any] | None = None,
                 retry_after: float | None = None, delay_s: float = 0.0) -> None:
        self.code = code
        self.body = {} if body is None else body
        self.retry_after = retry_after
        self.delay_s = delay_s


class BookingService:
    """Operations ``list_sessions``, ``hold``, ``confirm``, ``cancel`` (policies may answer more)."""

    def __init__(self, scenario: Scenario, ledger: LedgerPort, stack: PolicyStack, store: StateStore) -> None:
        self.ledger = ledger
        self.stack = stack
        self.store = store
        self.hold_ttl = stack.hold_ttl(scenario.release.hold_ttl_s)
        self.opens_at: dict[str, float] = {}
        self.by_department: dict[str, list[str]] = {}
        base = scenario.release.at_s
        for dept in scenario.supply.departments:
            ids = self.by_department.setdefault(dept.id, [])
            for s in dept.sessions:
                t = base + dept.release_offset_s + s.release_offset_s
                self.opens_at[s.id] = t
                ids.append(s.id)
                ledger.add_session(s.id, dept.id, s.date, s.capacity, stack.release_batches(s.id, [(t, s.capacity)]))
        ledger.return_rule = stack.return_at
        # list_sessions is most of the traffic: its rows' fixed parts, per department, built once.
        # Session state is looked up per call: a SQL ledger hands out a fresh view each time.
        self._listing = {dept: [(sid, self.opens_at[sid]) for sid in ids] for dept, ids in self.by_department.items()}
        self._listing_all = list(self.opens_at.items())
        self._ops = {"list_sessions": self._list, "hold": self._hold, "confirm": self._confirm,
                     "cancel": self._cancel}

    def handle(self, req: Request, now: float) -> Reply:
        """Answer one request at clock ``now`` (seconds relative to T0)."""
        verdict = self.stack.before(req, now)
        if verdict is not None:
            if verdict.code is not None:
                return Reply(verdict.code, verdict.body, verdict.retry_after)
            if verdict.delay_s > 0:
                return Reply("deferred", delay_s=verdict.delay_s)
        op = self._ops.get(req.op)
        if op is None:
            allowed = sorted([*self._ops, *self.stack.ops])
            return Reply("bad_request", {"error": f"unknown operation {req.op!r}; allowed: {allowed}"})
        reply = op(req, now)
        self.stack.after(req, reply.code, reply.body, now)
        return reply

    def _list(self, req: Request, now: float) -> Reply:
        dept = req.args.get("department")
        rows = self._listing.get(dept) if dept else self._listing_all
        if rows is None:
            return Reply("not_found", {"error": f"no department {dept!r}"})
        self.ledger.advance(now)
        states = self.ledger.sessions
        sessions = [{"id": sid, "remaining": states[sid].remaining, "opens_at": opens_at} for sid, opens_at in rows]
        return Reply("ok", {"sessions": sessions})

    def _hold(self, req: Request, now: float) -> Reply:
        key = req.args.get("key")
        if key is not None:
            known = self.store.get(f"idem:{req.account}:{key}")
            if known is not None:
                return Reply("ok", hold_body(self.ledger.holds[known]))
        result = self.ledger.hold(str(req.args.get("session")), req.person, req.account, now, self.hold_ttl)
        if isinstance(result, str):
            return Reply(result)
        if key is not None:
            self.store.put(f"idem:{req.account}:{key}", result.hold_id)
        return Reply("ok", hold_body(result))

    def _confirm(self, req: Request, now: float) -> Reply:
        result = self.ledger.confirm(int(req.args.get("hold", -1)), req.account, now)
        return Reply(result) if isinstance(result, str) else Reply("ok", hold_body(result))

    def _cancel(self, req: Request, now: float) -> Reply:
        result = self.ledger.cancel(int(req.args.get("hold", -1)), req.account, now)
        return Reply(result) if isinstance(result, str) else Reply("ok", hold_body(result))
