"""Referral gate: only persons with a community doctor's referral may book expert slots."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.domain.referral import referral_code
from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register

__all__ = ["ReferralGate", "referral_code"]

class ReferralGateParams(BaseModel):
    """Parameters of :class:`ReferralGate`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    departments: tuple[str, ...] | None = Field(
        None, description="gated (expert) departments; None: all"
    )
    ops: tuple[str, ...] = Field(
        ("hold", "lottery_enter", "waitlist_join"), description="operations that need the referral"
    )


@register
class ReferralGate(Policy):
    """Expert slots only for persons referred by a community doctor (分级诊疗 gatekeeping).

    Semantics (Zhejiang's plan, seed report 003: give the expert-booking right to community
    doctors as gatekeepers): a guarded op (``ops``) on a gated department (arg ``department``
    or the department of arg ``session``) must carry arg ``referral`` equal to the code issued
    for the request's person (:func:`referral_code`), else it is refused ``referral_required``.
    Which share of patients holds a referral is the scenario's (``patients[].referral_p``);
    bots hold referrals only for the stolen identities that happen to have one. Patients without
    one cannot book online at all — the cost.

    Parameters: ``departments`` (None = all), ``ops`` (hold, lottery_enter, waitlist_join).
    """

    name = "referral_gate"
    Params = ReferralGateParams
    params: ReferralGateParams
    codes = ("referral_required",)

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if req.op not in p.ops:
            return None
        dept = req.args.get("department")
        if dept is None and req.args.get("session") is not None:
            dept = self.ctx.session_department.get(str(req.args["session"]))
        if p.departments is not None and dept not in p.departments:
            return None
        if req.args.get("referral") == referral_code(req.person):
            return None
        return Verdict("referral_required", {"error": "expert slots need a community referral"})
