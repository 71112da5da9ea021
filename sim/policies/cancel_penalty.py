"""Cancellation penalties: freeze the account until re-verified; cap cancellations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.policies._identity import count_in_window
from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register


class CancelPenaltyParams(BaseModel):
    """Parameters of :class:`CancelPenalty`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    freeze: bool = Field(True, description="a cancellation freezes the account until re-verified")
    reverify_s: float = Field(
        86_400.0, ge=0, description="from a re-verification request to the unfreeze"
    )
    max_cancels: int | None = Field(
        None, ge=0, description="cancellations allowed per account per window (None: no cap)"
    )
    window_s: float = Field(90 * 86_400.0, gt=0, description="window of the cancellation cap")
    gated_ops: tuple[str, ...] = Field(
        ("hold", "lottery_enter", "waitlist_join"),
        description="operations a frozen account may not use",
    )


@register
class CancelPenalty(Policy):
    """Cancelling costs the account: frozen until re-verified, and/or a cap on cancellations.

    Semantics (Zhejiang 2012, seed report 003: "退号即冻结账户，经身份证确认后才能解冻"):
    with ``freeze``, a successful ``cancel`` freezes the account; a frozen account's guarded ops
    (``gated_ops``) are refused ``frozen`` (body ``reverify: reverify``). Op ``reverify`` asks
    for re-verification: the account unfreezes ``reverify_s`` later (staff check the ID; the
    answer is ``queued`` with ``retry_after``). With ``max_cancels``, a cancel beyond the cap in
    the window is refused ``rule_violation`` (the booking stays). Aimed at the cancel-and-rebook
    transfer; it also hits every patient who cancels for a real reason.

    Parameters: ``freeze`` (True), ``reverify_s`` (86400), ``max_cancels`` (None), ``window_s``
    (90 days), ``gated_ops`` (hold, lottery_enter, waitlist_join).
    """

    name = "cancel_penalty"
    Params = CancelPenaltyParams
    params: CancelPenaltyParams
    ops = ("reverify",)
    codes = ("frozen", "rule_violation", "queued")

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        frozen_key = f"cancel:frozen:{req.account}"
        if req.op == "reverify":
            frozen = self.ctx.store.get(frozen_key)
            if frozen is None:
                return Verdict("ok", {"frozen": False})
            until = frozen["until"] if frozen["until"] is not None else now + p.reverify_s
            self.ctx.store.put(frozen_key, {"since": frozen["since"], "until": until})
            return Verdict("queued", {"unfreeze_at": until}, retry_after=max(until - now, 0.0))
        if req.op == "cancel" and p.max_cancels is not None:
            done = self.ctx.store.get(f"cancel:count:{req.account}")
            if done is not None and done[0] == int(now // p.window_s) and done[1] >= p.max_cancels:
                return Verdict(
                    "rule_violation", {"error": f"at most {p.max_cancels} cancellations"}
                )
        if req.op in p.gated_ops:
            frozen = self.ctx.store.get(frozen_key)
            if frozen is not None:
                if frozen["until"] is not None and now >= frozen["until"]:
                    self.ctx.store.delete(frozen_key)
                    return None
                wait = None if frozen["until"] is None else frozen["until"] - now
                return Verdict(
                    "frozen", {"reverify": "reverify", "unfreeze_at": frozen["until"]}, wait
                )
        return None

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        if req.op != "cancel" or code != "ok":
            return
        count_in_window(self.ctx.store, f"cancel:count:{req.account}", now, self.params.window_s)
        if self.params.freeze:
            self.ctx.store.put(f"cancel:frozen:{req.account}", {"since": now, "until": None})
