"""The seam between agents and drivers: what an agent yields and what it gets back.

An agent is a generator that yields :class:`Wait` and :class:`Call` and receives a
:class:`Response` for each call (``None`` after a wait). It never sees a clock except the
``t`` stamped on responses, and never imports SimPy or Locust: the SimPy driver turns ``Wait``
into simulated time and ``Call`` into a request through the modelled service; the Locust driver
turns them into a real sleep and an HTTP request. When it ends it returns an :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from sim.domain.contract import OPS, STATUS_OF

__all__ = [
    "OPS",
    "STATUS_OF",
    "AgentScript",
    "Call",
    "Outcome",
    "Response",
    "Wait",
]

@dataclass(frozen=True, slots=True)
class Wait:
    """Pause for ``seconds``. ``reason`` says what the pause is for, e.g. ``captcha`` or ``queue``,
    so patient burden can be counted; ``think`` is ordinary reading and deciding."""

    seconds: float
    reason: str = "think"


@dataclass(frozen=True, slots=True)
class Call:
    """One request to the booking service: operation name and its arguments."""

    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Response:
    """What came back: a stable ``code`` (``ok``, ``sold_out``, ``timeout`` …), a body, and
    ``t``, the client's clock (seconds relative to T0) when the answer arrived."""

    code: str
    body: dict[str, Any]
    t: float
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded."""
        return self.code == "ok"

    @property
    def status(self) -> int:
        """The HTTP status that goes with the code."""
        return STATUS_OF.get(self.code, 500)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an agent's run ended: ``booked``, ``gave_up``, ``sold_out``, ``impatient``, ``done``."""

    status: str
    booking: str | None = None
    detail: str = ""


AgentScript = Generator[Wait | Call, Response | None, Outcome]
