"""Rate limit: GCRA (a timerless token bucket) per IP, account or person; 429 + Retry-After."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies._identity import IdentityKind, identity_of
from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register


class RateLimitParams(BaseModel):
    """Parameters of :class:`RateLimit`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: IdentityKind = Field("ip", description="what is limited: ip, account or person")
    rate_per_s: float = Field(
        1.0, gt=0, description="sustained requests per second allowed per key"
    )
    burst: int = Field(5, ge=1, description="requests allowed back to back before the rate applies")
    ops: tuple[str, ...] | None = Field(None, description="operations counted (default: every one)")


@register
class RateLimit(Policy):
    """Generic cell rate algorithm per key: at most ``burst`` at once, ``rate_per_s`` sustained.

    Semantics: each key (the request's ``ip``, ``account`` or ``person``) has a theoretical
    arrival time TAT in the store. A request at ``now`` would move it to
    ``max(TAT, now) + 1/rate``; if that lies more than ``burst/rate`` ahead of ``now`` the request
    is refused ``rate_limited`` with ``retry_after`` = seconds until it would fit, else TAT is
    advanced and the request goes on. Refused requests do not consume. Stacking two entries
    (e.g. per IP and per account) limits both. Whoever rotates many IPs/accounts escapes a
    limit on that key: limiting by real-name person is the hardest to dodge.

    Parameters: ``key`` (ip), ``rate_per_s`` (1.0), ``burst`` (5), ``ops`` (None = all).
    """

    name = "rate_limit"
    Params = RateLimitParams
    params: RateLimitParams
    codes = ("rate_limited",)

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if p.ops is not None and req.op not in p.ops:
            return None
        step = 1.0 / p.rate_per_s
        limit = p.burst * step
        key = f"rate:{p.key}:{p.rate_per_s}:{p.burst}:{identity_of(req, p.key)}"
        refused: list[float] = []

        def advance(tat: float | None) -> float:
            refused.clear()
            new = max(tat if tat is not None else now, now) + step
            if new - now > limit + 1e-9:
                refused.append(new - now - limit)
                return tat if tat is not None else now
            return new

        self.ctx.store.update(key, advance)
        if refused:
            return Verdict("rate_limited", {"key": p.key}, retry_after=refused[0])
        return None
