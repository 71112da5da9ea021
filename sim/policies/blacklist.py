"""Anomaly blacklist: the same IP, phone or ID too often in a window → banned for a period."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies._identity import IdentityKind, count_in_window, identity_of
from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register


class BlacklistParams(BaseModel):
    """Parameters of :class:`Blacklist`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    keys: tuple[IdentityKind, ...] = Field(
        ("ip", "account", "person"), description="identities watched"
    )
    ops: tuple[str, ...] = Field(("hold",), description="operations counted and refused")
    max_requests: int = Field(
        20, ge=1, description="more than this many in one window is an anomaly"
    )
    window_s: float = Field(60.0, gt=0, description="counting window (fixed windows)")
    ban_s: float = Field(
        90 * 86_400.0, gt=0, description="how long an anomalous identity is banned"
    )


@register
class Blacklist(Policy):
    """Identities that show up too often are blacklisted for a long time.

    Semantics (Zhejiang 2012, seed report 003: the same IP, phone number or ID repeatedly in a
    short time → blacklisted, no booking for three months): every guarded op (``ops``) counts
    once for each watched identity (``keys``: the request's ip, account, person) in fixed
    windows of ``window_s``; the request that takes a count above ``max_requests`` bans that
    identity for ``ban_s``. Requests from a banned identity are refused ``blocked`` with
    ``retry_after`` = the rest of the ban. Patients behind a shared IP (a hospital's Wi-Fi, a
    carrier NAT) can be caught too; bots rotate identities to stay under the threshold.

    Parameters: ``keys`` (ip, account, person), ``ops`` (hold), ``max_requests`` (20),
    ``window_s`` (60), ``ban_s`` (90 days).
    """

    name = "blacklist"
    Params = BlacklistParams
    params: BlacklistParams
    codes = ("blocked",)

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if req.op not in p.ops:
            return None
        store = self.ctx.store
        for kind in p.keys:
            until = store.get(f"blacklist:ban:{kind}:{identity_of(req, kind)}")
            if until is not None and now < until:
                return Verdict(
                    "blocked", {"reason": "blacklist", "key": kind, "until": until}, until - now
                )
        for kind in p.keys:
            ident = identity_of(req, kind)
            if (
                count_in_window(store, f"blacklist:count:{kind}:{ident}", now, p.window_s)
                > p.max_requests
            ):
                until = now + p.ban_s
                store.put(f"blacklist:ban:{kind}:{ident}", until)
                return Verdict(
                    "blocked", {"reason": "blacklist", "key": kind, "until": until}, p.ban_s
                )
        return None
