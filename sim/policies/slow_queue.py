"""Slow queue: suspicious requests are served late instead of being refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies._identity import IdentityKind, count_in_window, identity_of
from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register


class SlowQueueParams(BaseModel):
    """Parameters of :class:`SlowQueue`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: IdentityKind = Field("ip", description="identity whose request rate makes it suspicious")
    ops: tuple[str, ...] = Field(("hold",), description="operations counted and slowed")
    threshold: int = Field(5, ge=1, description="more than this many in one window is suspicious")
    window_s: float = Field(10.0, gt=0, description="counting window (fixed windows)")
    delay_s: float = Field(5.0, gt=0, description="a suspicious request is served this much later")
    jitter_s: float = Field(0.0, ge=0, description="plus a uniform random extra delay up to this")


@register
class SlowQueue(Policy):
    """Suspicious requests go to a slow lane: served ``delay_s`` later, not refused.

    Semantics (Beijing 2023, seed report 001: "对可疑挂号行为的慢速排队机制"): each guarded op
    (``ops``) counts for its identity (``key``) in fixed windows of ``window_s``; once the count
    is above ``threshold`` the request is deferred by ``delay_s + U(0, jitter_s)`` (a
    :class:`Verdict` with ``delay_s``; the service serves it then, with the state of then, and a
    deferred request is not checked or counted again). Nothing is refused, so a bot cannot
    tell it was caught, but by the time its request is served the slots are gone. Patients who
    click fast and often share the slow lane — a cost in seconds.

    Parameters: ``key`` (ip), ``ops`` (hold), ``threshold`` (5), ``window_s`` (10),
    ``delay_s`` (5), ``jitter_s`` (0).
    """

    name = "slow_queue"
    Params = SlowQueueParams
    params: SlowQueueParams

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if req.op not in p.ops:
            return None
        key = f"slowq:{p.key}:{identity_of(req, p.key)}"
        if count_in_window(self.ctx.store, key, now, p.window_s) <= p.threshold:
            return None
        extra = float(self.ctx.rng.uniform(0.0, p.jitter_s)) if p.jitter_s > 0 else 0.0
        return Verdict(delay_s=p.delay_s + extra)
