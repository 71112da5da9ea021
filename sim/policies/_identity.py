"""Shared bits of the policies that count or key requests by identity (not a policy module:
the registry skips modules starting with ``_``)."""

from __future__ import annotations

from typing import Literal

from sim.policies.base import Request
from sim.policies.store import StateStore

__all__ = ["IdentityKind", "count_in_window", "identity_of"]

IdentityKind = Literal["ip", "account", "person"]


def identity_of(req: Request, kind: IdentityKind) -> int:
    """The request's client IP, account (phone) or real-name person id."""
    if kind == "ip":
        return req.ip
    if kind == "account":
        return req.account
    return req.person


def count_in_window(store: StateStore, key: str, now: float, window_s: float) -> int:
    """Count one more event under ``key`` in the fixed window of length ``window_s`` holding
    ``now``, and return the window's count so far (the count resets when a new window starts)."""
    window = int(now // window_s)

    def bump(v: list[int] | None) -> list[int]:
        return [window, v[1] + 1] if v is not None and v[0] == window else [window, 1]

    return store.update(key, bump)[1]
