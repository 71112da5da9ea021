"""Real-name rules: one booking per person per department per day; persons per account."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register

_ACTIVE = ("held", "confirmed")


class RealNameParams(BaseModel):
    """Parameters of :class:`RealName`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    per_person_dept_day: int = Field(
        1,
        ge=1,
        description="bookings (held or confirmed) one person may "
        "have per department and clinic day",
    )
    max_persons_per_account: int = Field(
        5, ge=1, description="distinct persons one account may book for"
    )
    ops: tuple[str, ...] = Field(
        ("hold", "lottery_enter", "waitlist_join"), description="operations the rules apply to"
    )


@register
class RealName(Policy):
    """Bookings are tied to a verified person: per-person limits and a cap on family members.

    Semantics: on a guarded op (``ops``) for a session (arg ``session``), a person who already
    has ``per_person_dept_day`` held or confirmed bookings in that session's department on the
    same clinic date is refused ``rule_violation`` (the rule patients meet at the kiosk, seed
    report 000). An account may book for at most ``max_persons_per_account`` distinct persons
    (family members); booking for one more is refused ``rule_violation``. Cancelled and expired
    bookings do not count. Bots answer with pools of stolen person IDs spread over accounts.

    Parameters: ``per_person_dept_day`` (1), ``max_persons_per_account`` (5; an assumption:
    platforms allow a handful of family members), ``ops`` (hold, lottery_enter, waitlist_join).
    """

    name = "real_name"
    Params = RealNameParams
    params: RealNameParams
    codes = ("rule_violation",)

    def before(self, req: Request, now: float) -> Verdict | None:
        p = self.params
        if req.op not in p.ops:
            return None
        persons = self.ctx.store.get(f"realname:persons:{req.account}") or []
        if req.person not in persons:
            if len(persons) >= p.max_persons_per_account:
                return Verdict(
                    "rule_violation",
                    {"error": f"account books for at most {p.max_persons_per_account} persons"},
                )
            self.ctx.store.update(
                f"realname:persons:{req.account}", lambda v: sorted({*(v or []), req.person})
            )
        session = req.args.get("session")
        if session is None or req.op != "hold":
            return None
        dept = self.ctx.session_department.get(str(session))
        date = self.ctx.session_date.get(str(session))
        self.ctx.ledger.advance(now)
        same = sum(
            1
            for h in self.ctx.ledger.holds_of_person(req.person)
            if h.state in _ACTIVE
            and self.ctx.session_department.get(h.session) == dept
            and self.ctx.session_date.get(h.session) == date
        )
        if same >= p.per_person_dept_day:
            return Verdict(
                "rule_violation", {"error": "one booking per person per department per day"}
            )
        return None
