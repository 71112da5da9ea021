"""Reserved share: part of each session's capacity is kept off the online release."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy
from sim.policies.registry import register


class ReservedShareParams(BaseModel):
    """Parameters of :class:`ReservedShare`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    share: float = Field(
        0.3, ge=0, le=1, description="share of each release withheld from online booking"
    )
    release_unused_at_s: float | None = Field(
        None, description="withheld slots go online at this time (relative to T0); None: never"
    )


@register
class ReservedShare(Policy):
    """Keep a share of each session for in-clinic follow-ups and community referrals.

    Semantics: every planned release ``(t, n)`` puts ``n - round(share·n)`` slots online at
    ``t``; the withheld ``round(share·n)`` are booked outside the online channel (doctors book
    follow-ups in the consulting room — Daxing district hospital's 诊间预约, seed report 002 —
    and community doctors refer patients), so grabbing online cannot reach them. With
    ``release_unused_at_s`` they are released online at that time (as if unused by then);
    otherwise they never appear online. Bots lose access to that share; so do online patients.

    Parameters: ``share`` (0.3), ``release_unused_at_s`` (None).
    """

    name = "reserved_share"
    Params = ReservedShareParams
    params: ReservedShareParams

    def release_batches(
        self, session: str, batches: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        p = self.params
        out: list[tuple[float, int]] = []
        withheld = 0
        for t, n in batches:
            keep = round(p.share * n)
            withheld += keep
            out.append((t, n - keep))
        if p.release_unused_at_s is not None and withheld:
            out.append((p.release_unused_at_s, withheld))
        return sorted(out)
