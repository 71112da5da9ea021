"""Hold TTL / pay-at-booking: how long an unpaid hold may block a slot."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy, Request
from sim.policies.registry import register


class HoldTtlParams(BaseModel):
    """Parameters of :class:`HoldTtl`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ttl_s: float = Field(120.0, gt=0, description="an unpaid hold expires after this many seconds")
    pay_at_booking: bool = Field(
        False,
        description="the hold request carries the payment: a successful hold is confirmed at once",
    )


@register
class HoldTtl(Policy):
    """Short unpaid holds (or none at all): limits seat spinning, costs slow payers their slot.

    Semantics: unpaid holds expire ``ttl_s`` after they were made (replacing the scenario's
    ``release.hold_ttl_s``; with several such policies the last one wins), and the slot returns
    per the return rule. A bot that holds slots it never pays (seat spinning) must re-hold
    every ``ttl_s`` seconds, and each expiry gives patients a chance; a patient who needs longer
    than ``ttl_s`` to pay loses the hold. ``pay_at_booking``: the hold is confirmed in the same
    request (the reply's ``state`` is ``confirmed``, the client's later ``confirm`` is an
    idempotent no-op) — no unpaid holds exist, every grab is a paid booking.

    Parameters: ``ttl_s`` (120), ``pay_at_booking`` (False).
    """

    name = "hold_ttl"
    Params = HoldTtlParams
    params: HoldTtlParams

    def hold_ttl(self, ttl: float) -> float:
        return self.params.ttl_s

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        if (
            self.params.pay_at_booking
            and req.op == "hold"
            and code == "ok"
            and body.get("state") == "held"
        ):
            h = self.ctx.ledger.confirm(int(body["hold_id"]), req.account, now)
            if not isinstance(h, str):
                body["state"] = h.state
