"""Reserved share: part of each session's capacity is kept for in-clinic follow-ups."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy, PolicyContext, Request, Verdict
from sim.policies.registry import register

CLINIC = "clinic"  # the ``channel`` arg of a booking made at the doctor's terminal


class ReservedShareParams(BaseModel):
    """Parameters of :class:`ReservedShare`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    share: float = Field(
        0.3, ge=0, le=1, description="share of each release withheld from online booking"
    )
    release_unused_at_s: float | None = Field(
        None, description="reserved slots still unused go online at this time (relative to T0); "
        "None: never"
    )


@register
class ReservedShare(Policy):
    """Keep a share of each session for in-clinic follow-ups and community referrals.

    Semantics: of each session's capacity ``n``, ``round(share·n)`` slots are the reserve. The
    reserve is booked by the doctor in the consulting room (Daxing district hospital's 诊间预约,
    seed report 002): requests with arg ``channel: clinic`` (patient segments with
    ``channel: clinic``) may hold while reserved slots are left, and each hold they make uses
    one up. Online requests may hold only while more slots are free than the unused reserve,
    and their session lists show only those (``remaining`` less the unused reserve). With
    ``release_unused_at_s`` whatever the clinic has not used by then goes online; otherwise it
    never does. Bots lose access to the reserve; so do online patients.

    The clinic channel is trusted here (a doctor's terminal); bots never send it. A real
    service would authenticate that terminal.

    Parameters: ``share`` (0.3), ``release_unused_at_s`` (None).
    """

    name = "reserved_share"
    Params = ReservedShareParams
    params: ReservedShareParams
    codes = ("sold_out",)

    def __init__(self, params: BaseModel, ctx: PolicyContext) -> None:
        super().__init__(params, ctx)
        self._reserve: dict[str, int] = {}  # session → slots reserved (fixed supply)

    def release_batches(
        self, session: str, batches: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        self._reserve[session] = round(self.params.share * sum(n for _, n in batches))
        return batches

    def unused(self, session: str, now: float) -> int:
        """Reserved slots of ``session`` the clinic has not used (0 once they went online)."""
        cut = self.params.release_unused_at_s
        if cut is not None and now >= cut:
            return 0
        used = int(self.ctx.store.get(f"reserve:{session}:used", 0))
        return max(self._reserve.get(session, 0) - used, 0)

    def before(self, req: Request, now: float) -> Verdict | None:
        if req.op != "hold":
            return None
        session = str(req.args.get("session"))
        left = self.unused(session, now)
        if left <= 0:
            return None
        if req.args.get("channel") == CLINIC:
            return None
        view = self.ctx.ledger.session_view(session, now)
        if view is not None and view.remaining <= left:
            return Verdict("sold_out", {"error": "the rest is reserved for in-clinic booking"})
        return None

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        if code != "ok":
            return
        if req.op == "hold" and req.args.get("channel") == CLINIC:
            session = str(body.get("session", req.args.get("session")))
            if self.unused(session, now) > 0:
                self.ctx.store.update(f"reserve:{session}:used", lambda v: (v or 0) + 1)
        elif req.op == "list_sessions" and req.args.get("channel") != CLINIC:
            # what is bookable online: the unused reserve is not (see the class docstring)
            body["sessions"] = [
                {**row, "remaining": max(int(row.get("remaining", 0)) - self.unused(row["id"], now), 0)}
                if row.get("id") in self._reserve else row
                for row in body.get("sessions", [])
            ]
