"""CAPTCHA (or proof-of-work) before booking, per attempt or per session."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register

CaptchaKind = Literal["checkbox", "image_grid", "text", "pow"]


class CaptchaParams(BaseModel):
    """Parameters of :class:`Captcha`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: CaptchaKind = Field(
        "image_grid",
        description="challenge kind: checkbox, image_grid, text, or pow (proof-of-work)",
    )
    scope: Literal["attempt", "session"] = Field(
        "attempt", description="a challenge per attempt, or once per account for session_ttl_s"
    )
    ops: tuple[str, ...] = Field(("hold",), description="operations that need a solved challenge")
    session_ttl_s: float = Field(
        1800.0, gt=0, description="scope=session: a solve is good this long"
    )
    challenge_ttl_s: float = Field(
        300.0, gt=0, description="a challenge must be answered within this"
    )
    pow_cost_s: float = Field(
        2.0, ge=0, description="kind=pow: seconds of client compute per solve"
    )


@register
class Captcha(Policy):
    """A challenge must be solved before a guarded operation: human time and errors as the price.

    Semantics: a guarded op (``ops``) without an answer is refused ``captcha_required`` with
    body ``{challenge_id, kind, cost_s}``. The client spends its solve time (a patient
    ``Wait(..., "captcha")``: the segment's time and accuracy for that kind, Searles et al. 2023;
    a bot its solver's latency, accuracy and price) and repeats the op with arg
    ``captcha = {id, correct}``: a simulated solver cannot read pixels, so it says whether it
    got the challenge right (a real target checks the answer itself). A wrong answer is refused
    ``captcha_failed`` with a fresh challenge; an unknown, reused, other account's or stale
    (``challenge_ttl_s``) one gets ``captcha_required`` again. Each challenge is single-use.
    ``scope=session``: a correct answer frees the account from challenges for ``session_ttl_s``.
    ``kind=pow``: the challenge is a proof-of-work everyone solves, always correctly, at a
    compute cost of ``pow_cost_s`` seconds (``cost_s`` in the body).

    Parameters: ``kind`` (image_grid), ``scope`` (attempt), ``ops`` (hold), ``session_ttl_s``
    (1800), ``challenge_ttl_s`` (300), ``pow_cost_s`` (2.0).
    """

    name = "captcha"
    Params = CaptchaParams
    params: CaptchaParams
    codes = ("captcha_required", "captcha_failed")

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if req.op not in p.ops:
            return None
        passed = f"captcha:pass:{req.account}"
        if p.scope == "session" and now < float(self.ctx.store.get(passed, -1e300)):
            return None
        answer: Any = req.args.get("captcha")
        if not isinstance(answer, dict):
            return self._challenge(req, now, "captcha_required")
        key = f"captcha:challenge:{answer.get('id')}"
        issued = self.ctx.store.get(key)
        self.ctx.store.delete(key)
        if issued is None or issued["account"] != req.account or now > issued["expires_at"]:
            return self._challenge(req, now, "captcha_required")
        if answer.get("correct") is not True:
            return self._challenge(req, now, "captcha_failed")
        if p.scope == "session":
            self.ctx.store.put(passed, now + p.session_ttl_s)
        return None

    def _challenge(self, req: Request, now: float, code: str) -> Verdict:
        p = self.params
        cid = int(self.ctx.store.update("captcha:issued", lambda v: (v or 0) + 1))
        self.ctx.store.put(
            f"captcha:challenge:{cid}",
            {"account": req.account, "expires_at": now + p.challenge_ttl_s},
        )
        cost = p.pow_cost_s if p.kind == "pow" else 0.0
        return Verdict(code, {"challenge_id": cid, "kind": p.kind, "cost_s": cost})
