"""What a policy is: a small, parameterised plug-in with hooks into the booking service.

Every policy subclasses :class:`Policy`, declares ``name``, a pydantic ``Params`` model and a
docstring that explains its semantics, and overrides only the hooks it needs:

- :meth:`Policy.release_batches` — when each session's slots go online (randomized release,
  reserved share);
- :meth:`Policy.before` — look at a request before the service acts on it and return a
  :class:`Verdict` to refuse it (rate limit, CAPTCHA, blacklist, real-name rules), delay it
  (slow queue) or answer it instead of the service (lottery entry, waiting-room ticket);
- :meth:`Policy.after` — observe the reply (counters for blacklists, cancellation penalties);
- :meth:`Policy.return_at` — when a cancelled or expired slot is bookable again (quarantine,
  on-site pool);
- :meth:`Policy.hold_ttl` — how long an unpaid hold lives (hold TTL policy).

A policy may also *answer operations of its own* (``lottery_enter``, ``enter_queue`` …): it lists
them in ``ops`` and answers them from :meth:`Policy.before` with a code (``ok``/``queued`` …), so
the service never sees them. ``codes`` lists the response codes it can give (documentation and
``slotgrab policies``). Policies that allocate slots themselves (lottery, waitlist) do it through
``ctx.ledger`` (``advance``, ``hold``), which the reference service backs with its database.

Policies get the clock as an argument (``now``: seconds relative to T0, simulated or wall)
and keep state only in ``ctx.store``, so the simulator and the reference service run the very
same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from sim.domain.port import LedgerPort
from sim.policies.store import StateStore

__all__ = ["NoParams", "Policy", "PolicyContext", "Request", "Verdict"]


class NoParams(BaseModel):
    """A policy without parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Request:
    """A request as policies see it: operation, identities (account, person, client IP) and args.

    ``agent`` is known only in the simulator (-1 elsewhere); policies must not depend on it.
    """

    op: str
    account: int
    person: int
    ip: int
    args: dict[str, Any] = field(default_factory=dict)
    agent: int = -1


@dataclass(frozen=True, slots=True)
class Verdict:
    """A policy's answer to a request.

    ``code`` set: the service answers with it and does not perform the operation
    (``rate_limited`` with ``retry_after``, ``captcha_required`` with a challenge in ``body``,
    ``queued`` for a lottery entry …). ``code`` None with ``delay_s`` > 0: the request goes on
    but is served ``delay_s`` later (slow queue). A proof-of-work challenge states its solving
    cost as ``cost_s`` in ``body``.
    """

    code: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    delay_s: float = 0.0


@dataclass(slots=True)
class PolicyContext:
    """What a policy may use: the shared state store, its own random stream, the ledger, and
    the supply (department and date of each session)."""

    store: StateStore
    rng: np.random.Generator
    ledger: LedgerPort
    hold_ttl_s: float
    session_department: dict[str, str]
    session_date: dict[str, str]


class Policy:
    """Base class of every policy. The defaults do nothing: FCFS is a policy with no overrides."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    ops: ClassVar[tuple[str, ...]] = ()  # operations this policy answers itself
    codes: ClassVar[tuple[str, ...]] = ()  # response codes this policy may give

    def __init__(self, params: BaseModel, ctx: PolicyContext) -> None:
        self.params = params
        self.ctx = ctx

    @classmethod
    def summary(cls) -> str:
        """First sentence of the docstring (of its first paragraph, lines joined)."""
        first = (cls.__doc__ or "").strip().split("\n\n")[0]
        text = " ".join(line.strip() for line in first.splitlines())
        end = text.find(". ")
        return text if end < 0 else text[: end + 1]

    def release_batches(self, session: str, batches: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Transform a session's release plan ``[(time, slots)]``; default: unchanged."""
        return batches

    def before(self, req: Request, now: float) -> Verdict | None:
        """Inspect a request before the service acts; None lets it through."""
        return None

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        """Observe the service's answer to a request that went through. A policy may add
        advisory keys to ``body`` (e.g. ``waitlist``: the op to join one); it never changes the
        code, and changes a key the service set only when it completed the operation itself
        (pay-at-booking confirms the hold and says so in ``state``) or when it decides what the
        caller may book (reserved share lowers ``remaining`` of online session lists)."""

    def return_at(self, session: str, slot: int, now: float) -> float | None:
        """When a slot freed at ``now`` is bookable again; None: no opinion."""
        return None

    def hold_ttl(self, ttl: float) -> float:
        """How long an unpaid hold lives, given the scenario's (or an earlier policy's) ``ttl``."""
        return ttl
