"""A scenario's policy stack: the registered policies it names, built and composed in order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sim.policies.base import Policy, PolicyContext, Request, Verdict
from sim.policies.registry import get_policy
from sim.policies.spec import PolicySpec

__all__ = ["PolicyStack"]


class PolicyStack:
    """Policies applied in stack order. ``before`` stops at the first refusal and adds up delays;
    a request re-entering after a delay (arg ``deferred``) is not checked again. ``release_batches``
    and ``hold_ttl`` are folded through every policy; ``return_at`` takes the first opinion.

    Order matters: a policy that answers an op itself (lottery, waiting room, waitlist) ends the
    chain for it, so list the gates that should guard those ops (captcha, rate limit, real-name,
    referral, blacklist) before it."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = tuple(policies)
        # the hooks run on every request: call only the policies that override them
        self._checks = tuple(p for p in self.policies if type(p).before is not Policy.before)
        self._observers = tuple(p for p in self.policies if type(p).after is not Policy.after)

    @classmethod
    def build(cls, specs: Sequence[PolicySpec], make_ctx: Any) -> PolicyStack:
        """Instantiate each spec; ``make_ctx(index, name)`` gives each policy its context
        (its own random stream, the shared store)."""
        out = []
        for i, spec in enumerate(specs):
            pcls = get_policy(spec.name)
            out.append(pcls(pcls.Params.model_validate(spec.params), make_ctx(i, spec.name)))
        return cls(out)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.policies)

    @property
    def ops(self) -> tuple[str, ...]:
        """Operations answered by the policies of this stack."""
        return tuple(op for p in self.policies for op in p.ops)

    def hold_ttl(self, ttl: float) -> float:
        for p in self.policies:
            ttl = p.hold_ttl(ttl)
        return ttl

    def release_batches(self, session: str, batches: list[tuple[float, int]]) -> list[tuple[float, int]]:
        for p in self.policies:
            batches = p.release_batches(session, batches)
        return batches

    def before(self, req: Request, now: float) -> Verdict | None:
        if not self._checks or req.args.get("deferred"):
            return None  # a slow-lane re-entry was checked (and counted) when it first came in
        delay = 0.0
        for p in self._checks:
            v = p.before(req, now)
            if v is None:
                continue
            if v.code is not None:
                return v
            delay += v.delay_s
        return Verdict(delay_s=delay) if delay > 0 else None

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        for p in self._observers:
            p.after(req, code, body, now)

    def return_at(self, session: str, slot: int, now: float) -> float | None:
        """When a freed slot is bookable again: the first policy's opinion, else at once.
        ``math.inf`` from a policy means never (it leaves the online pool) → None."""
        for p in self.policies:
            due = p.return_at(session, slot, now)
            if due is not None:
                return None if math.isinf(due) else due
        return now


def make_context(**kw: Any) -> PolicyContext:
    """Shorthand used by services and tests."""
    return PolicyContext(**kw)
