"""Randomized release: slots go online at random instants instead of at the announced time."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy
from sim.policies.registry import register


class RandomizedReleaseParams(BaseModel):
    """Parameters of :class:`RandomizedRelease`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    window_s: float = Field(
        600.0,
        gt=0,
        description="slots go online at random instants within this "
        "many seconds after the announced release",
    )
    batches: int = Field(
        1, ge=1, le=1000, description="number of random batches the slots are split into"
    )


@register
class RandomizedRelease(Policy):
    """Release each session's slots at random instants in a window after the announced time.

    Semantics: every planned release ``(t, n)`` of a session is split into ``batches`` batches
    of (nearly) equal size, each put online at ``t + U(0, window_s)`` (independent uniform draws
    from the policy's own stream). The announced opening time (``opens_at`` in the session list)
    stays ``t``, so nobody knows when a batch lands: being there at ``t`` no longer wins, and
    those who come minutes later still get a chance; but whoever refreshes (and reacts) when a
    batch lands does — patients who came on time pay with refreshes and give up, while a bot
    polling every few milliseconds is not slowed (why platforms pair it with rate limits).

    Parameters: ``window_s`` (seconds, default 600), ``batches`` (default 1: one random instant).
    """

    name = "randomized_release"
    Params = RandomizedReleaseParams
    params: RandomizedReleaseParams

    def release_batches(
        self, session: str, batches: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        p = self.params
        out: list[tuple[float, int]] = []
        for t, n in batches:
            k = min(p.batches, n)
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
            instants = self.ctx.rng.uniform(0.0, p.window_s, k)
            out.extend((t + float(dt), size) for dt, size in zip(instants, sizes, strict=True))
        return sorted(out)
