"""The seam between agents and drivers: what an agent yields and what it gets back.

An agent is a generator that yields :class:`Wait` and :class:`Call` and receives a
:class:`Response` for each call (``None`` after a wait). It never sees a clock except the
``t`` stamped on responses, and never imports SimPy or Locust: the SimPy driver turns ``Wait``
into simulated time and ``Call`` into a request through the modelled service; the Locust driver
turns them into a real sleep and an HTTP request. When it ends it returns an :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Final

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

# These are made for every request. Their ``__init__`` is written out, not generated: compiled
# (sim/compiled.py), a dataclass-generated ``__init__`` costs 3-8x a written one, a frozen one
# most (it sets each field through ``object.__setattr__``). ``Final`` fields keep them
# read-only as ``frozen`` did: checked by mypy, and enforced at run time when compiled.


@dataclass(init=False, slots=True, unsafe_hash=True)
class Wait:
    """Pause for ``seconds``. ``reason`` says what the pause is for, e.g. ``captcha`` or ``queue``,
    so patient burden can be counted; ``think`` is ordinary reading and deciding."""

    seconds: Final[float]
    reason: Final[str]

    def __init__(self, seconds: float, reason: str = "think") -> None:
        self.seconds = seconds
        self.reason = reason


@dataclass(init=False, slots=True, unsafe_hash=True)
class Call:
    """One request to the booking service: operation name and its arguments."""

    op: Final[str]
    args: Final[dict[str, Any]]

    def __init__(self, op: str, args: dict[str, Any] | None = None) -> None:
        self.op = op
        self.args = {} if args is None else args


@dataclass(init=False, slots=True)
class Response:
    """What came back: a stable ``code`` (``ok``, ``sold_out``, ``timeout`` …), a body, and
    ``t``, the client's clock (seconds relative to T0) when the answer arrived."""

    code: str
    body: dict[str, Any]
    t: float
    retry_after: float | None

    def __init__(self, code: str, body: dict[str, Any], t: float,
                 retry_after: float | None = None) -> None:
        self.code = code
        self.body = body
        self.t = t
        self.retry_after = retry_after

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded."""
        return self.code == "ok"

    @property
    def status(self) -> int:
        """The HTTP status that goes with the code."""
        return STATUS_OF.get(self.code, 500)


@dataclass(init=False, slots=True, unsafe_hash=True)
class Outcome:
    """How an agent's run ended: ``booked``, ``gave_up``, ``sold_out``, ``impatient``, ``done``."""

    status: Final[str]
    booking: Final[str | None]
    detail: Final[str]

    def __init__(self, status: str, booking: str | None = None, detail: str = "") -> None:
        self.status = status
        self.booking = booking
        self.detail = detail


AgentScript = Generator[Wait | Call, Response | None, Outcome]
