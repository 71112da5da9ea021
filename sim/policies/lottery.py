"""Lottery / batch allocation: collect entries for a window, then draw; one entry per person."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.policies._allocation import hold_body, hold_first_free, sessions_by_department
from sim.policies.base import Policy, PolicyContext, Request, Verdict
from sim.policies.registry import register


class LotteryParams(BaseModel):
    """Parameters of :class:`Lottery`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    open_s: float = Field(0.0, description="entries accepted from this time (relative to T0)")
    close_s: float = Field(300.0, description="entries close and the draw happens at this time")
    pay_within_s: float = Field(900.0, gt=0, description="a winner's hold lives this long unpaid")
    departments: tuple[str, ...] | None = Field(None, description="departments drawn by lottery (default: all)")

    @model_validator(mode="after")
    def _ordered(self) -> LotteryParams:
        if self.close_s <= self.open_s:
            raise ValueError(f"close_s ({self.close_s}) must be after open_s ({self.open_s})")
        return self


@register
class Lottery(Policy):
    """Batch allocation: entries are collected for a window, then slots are drawn at random.

    Semantics: between ``open_s`` and ``close_s`` a ``hold`` on a lottery department's session
    is answered ``lottery`` (body: ``enter`` op, ``draw_at``). Op ``lottery_enter``
    (args ``department``) registers one entry per real-name person (repeats are ignored) and
    answers ``queued`` with ``retry_after`` until the draw. At the first request after
    ``close_s`` the entries are shuffled with the policy's stream and each winner, in order,
    gets a hold on a free slot of the department (TTL ``pay_within_s``), until slots run out.
    Op ``lottery_result`` answers ``ok`` with the hold (then ``confirm`` as usual), ``sold_out``
    for a losing entry, ``expired`` if the won hold lapsed unpaid, ``not_found`` without entry,
    ``queued`` before the draw. After the draw, slots left over (or returned) are first come,
    first served. Reaction time and arrival inside the window no longer matter; the number of
    real-name persons one controls still does (Hakimov et al., AER 2021: batch-then-random
    allocation makes scalping unprofitable when identities are checked).

    Parameters: ``open_s`` (0), ``close_s`` (300), ``pay_within_s`` (900),
    ``departments`` (None = all).
    """

    name = "lottery"
    Params = LotteryParams
    params: LotteryParams
    ops = ("lottery_enter", "lottery_result")
    codes = (
        "lottery",
        "queued",
        "ok",
        "sold_out",
        "expired",
        "not_found",
        "not_released",
        "bad_request",
    )

    def __init__(self, params: BaseModel, ctx: PolicyContext) -> None:
        super().__init__(params, ctx)
        self._sessions_of = sessions_by_department(ctx.session_department)  # fixed supply

    def _department(self, req: Request) -> str | None:
        dept = req.args.get("department")
        if dept is None and req.args.get("session") is not None:
            dept = self.ctx.session_department.get(str(req.args["session"]))
        if not isinstance(dept, str) or dept not in self._sessions_of:
            return None
        wanted = self.params.departments
        return str(dept) if wanted is None or dept in wanted else None

    def before(self, req: Request, now: float) -> Verdict | None:
        if req.op not in ("hold", *self.ops):
            return None
        dept = self._department(req)
        if dept is None:  # not drawn by lottery: holds go on, lottery ops are an error
            return Verdict("bad_request", {"error": "no lottery for this department"}) if req.op in self.ops else None
        if now >= self.params.close_s and self.ctx.store.get(f"lottery:{dept}:drawn") is None:
            self._draw(dept, now)
        if req.op == "hold":
            if now < self.params.close_s:
                return Verdict(
                    "lottery",
                    {"enter": "lottery_enter", "department": dept, "draw_at": self.params.close_s},
                )
            return None
        if req.op == "lottery_enter":
            return self._enter(dept, req, now)
        return self._result(dept, req, now)

    def _enter(self, dept: str, req: Request, now: float) -> Verdict:
        p = self.params
        if now < p.open_s:
            return Verdict("not_released", {"opens_at": p.open_s}, retry_after=p.open_s - now)
        if now >= p.close_s:
            return Verdict("expired", {"error": "entries are closed", "draw_at": p.close_s})
        key = f"lottery:{dept}:person:{req.person}"
        if self.ctx.store.get(key) is None:
            index = self.ctx.store.update(f"lottery:{dept}:n", lambda v: (v or 0) + 1) - 1
            self.ctx.store.put(f"lottery:{dept}:entry:{index}", [req.person, req.account])
            self.ctx.store.put(key, index)
        return Verdict("queued", {"draw_at": p.close_s}, retry_after=p.close_s - now)

    def _result(self, dept: str, req: Request, now: float) -> Verdict:
        if self.ctx.store.get(f"lottery:{dept}:person:{req.person}") is None:
            return Verdict("not_found", {"error": "no entry for this person"})
        if now < self.params.close_s:
            return Verdict("queued", {"draw_at": self.params.close_s}, retry_after=self.params.close_s - now)
        hold_id = self.ctx.store.get(f"lottery:{dept}:won:{req.person}")
        if hold_id is None:
            return Verdict("sold_out", {"error": "not drawn"})
        h = self.ctx.ledger.holds[int(hold_id)]
        if h.state not in ("held", "confirmed") or h.account != req.account:
            return Verdict("expired", {"error": "the won hold lapsed"})
        return Verdict("ok", hold_body(h))

    def _draw(self, dept: str, now: float) -> None:
        store = self.ctx.store
        if store.update(f"lottery:{dept}:drawn", lambda v: (v or 0) + 1) > 1:
            return  # drawn already (the counter makes the draw happen once, even under contention)
        n = int(store.get(f"lottery:{dept}:n", 0))
        sessions = self._sessions_of[dept]
        self.ctx.ledger.advance(now)
        for index in self.ctx.rng.permutation(n).tolist():
            person, account = store.get(f"lottery:{dept}:entry:{index}")
            h = hold_first_free(self.ctx.ledger, sessions, person, account, now, self.params.pay_within_s)
            if h is None:
                break
            store.put(f"lottery:{dept}:won:{person}", h.hold_id)
