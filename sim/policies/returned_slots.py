"""Returned-slot handling: quarantine and random re-release, waitlist first, or on-site pool."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.policies._allocation import hold_body, hold_first_free, sessions_by_department
from sim.policies.base import Policy, PolicyContext, Request, Verdict
from sim.policies.registry import register


class ReturnedSlotsParams(BaseModel):
    """Parameters of :class:`ReturnedSlots`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    mode: Literal["quarantine", "waitlist", "onsite"] = Field(
        "quarantine",
        description="quarantine: back online at a random later time; waitlist: offered "
        "to the waitlist first; onsite: never back online",
    )
    min_delay_s: float = Field(60.0, ge=0, description="quarantine: earliest re-release after the return")
    max_delay_s: float = Field(3600.0, ge=0, description="quarantine: latest re-release after the return")
    offer_ttl_s: float = Field(600.0, gt=0, description="waitlist: an offered slot is held this long")

    @model_validator(mode="after")
    def _ordered(self) -> ReturnedSlotsParams:
        if self.max_delay_s < self.min_delay_s:
            raise ValueError(f"max_delay_s ({self.max_delay_s}) < min_delay_s ({self.min_delay_s})")
        return self


@register
class ReturnedSlots(Policy):
    """What happens to a cancelled or expired slot, so that a transfer cannot aim at it.

    Semantics, by ``mode``:

    - ``quarantine`` (Zhejiang 2012: returned slots locked and re-released at unannounced
      times; Beijing 2016): the slot is bookable again at ``now + U(min_delay_s, max_delay_s)``.
      A scalper who cancels to rebook under a buyer's name cannot know when it comes back —
      unless it scans around the clock.
    - ``waitlist``: a returned slot is offered to the department's waitlist in join order: the
      service holds it for the head of the list (TTL ``offer_ttl_s``). Op ``waitlist_join``
      (args ``department``) joins once per person (``queued``, body ``position``); op
      ``waitlist_status`` answers ``ok`` with the offered hold (confirm it as usual), ``queued``
      while waiting, ``expired`` if the offer lapsed. Session lists and ``sold_out`` answers
      carry ``waitlist: waitlist_join`` so clients learn the list exists. Returns with an
      empty waitlist go back online at once.
    - ``onsite`` (Zhejiang 2012: cancelled slots go back to the hospital for same-day on-site
      booking): the slot leaves the online pool (``withdraw``).

    Parameters: ``mode`` (quarantine), ``min_delay_s`` (60), ``max_delay_s`` (3600),
    ``offer_ttl_s`` (600).
    """

    name = "returned_slots"
    Params = ReturnedSlotsParams
    params: ReturnedSlotsParams
    ops = ("waitlist_join", "waitlist_status")
    codes = ("queued", "ok", "expired", "not_found", "bad_request")

    def __init__(self, params: BaseModel, ctx: PolicyContext) -> None:
        super().__init__(params, ctx)
        self._sessions_of = sessions_by_department(ctx.session_department)  # fixed supply

    def return_at(self, session: str, slot: int, now: float) -> float | None:
        p = self.params
        if p.mode == "onsite":
            return float("inf")
        if p.mode == "quarantine":
            return now + float(self.ctx.rng.uniform(p.min_delay_s, p.max_delay_s))
        dept = self.ctx.session_department[session]
        self.ctx.store.update("waitlist:pending", lambda v: {**(v or {}), dept: (v or {}).get(dept, 0) + 1})
        return now

    # ---- waitlist --------------------------------------------------------------------------
    def before(self, req: Request, now: float) -> Verdict | None:
        if self.params.mode != "waitlist":
            return None
        self.ctx.ledger.advance(now)  # expiries due now go to the waitlist before anyone else
        self._offer_returns(now)
        if req.op not in self.ops:
            return None
        dept = req.args.get("department")
        if not isinstance(dept, str) or dept not in self._sessions_of:
            return Verdict("bad_request", {"error": f"no department {dept!r}"})
        if req.op == "waitlist_join":
            return self._join(str(dept), req)
        return self._status(req)

    def _join(self, dept: str, req: Request) -> Verdict:
        store = self.ctx.store
        key = f"waitlist:{dept}:person:{req.person}"
        index = store.get(key)
        if index is None:
            index = store.update(f"waitlist:{dept}:n", lambda v: (v or 0) + 1) - 1
            store.put(f"waitlist:{dept}:entry:{index}", [req.person, req.account])
            store.put(key, index)
        ahead = index - int(store.get(f"waitlist:{dept}:head", 0))
        return Verdict("queued", {"position": max(ahead, 0)}, retry_after=60.0)

    def _status(self, req: Request) -> Verdict:
        hold_id = self.ctx.store.get(f"waitlist:offer:{req.person}")
        if hold_id is None:
            return Verdict("queued", {}, retry_after=60.0)
        h = self.ctx.ledger.holds[int(hold_id)]
        if h.state not in ("held", "confirmed"):
            return Verdict("expired", {"error": "the offer lapsed"})
        return Verdict("ok", hold_body(h))

    def _offer_returns(self, now: float) -> None:
        store = self.ctx.store
        pending: dict[str, int] = store.get("waitlist:pending") or {}
        if not pending:
            return
        store.delete("waitlist:pending")
        for dept, count in pending.items():
            sessions = self._sessions_of[dept]
            for _ in range(count):
                head = int(store.get(f"waitlist:{dept}:head", 0))
                if head >= int(store.get(f"waitlist:{dept}:n", 0)):
                    break  # nobody waits: the slot stays online
                store.put(f"waitlist:{dept}:head", head + 1)
                person, account = store.get(f"waitlist:{dept}:entry:{head}")
                h = hold_first_free(self.ctx.ledger, sessions, person, account, now, self.params.offer_ttl_s)
                if h is None:
                    break
                store.put(f"waitlist:offer:{person}", h.hold_id)

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        if self.params.mode == "waitlist" and (req.op == "list_sessions" or code == "sold_out"):
            body["waitlist"] = "waitlist_join"
