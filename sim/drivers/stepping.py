"""Stepping an agent, written once for both drivers (SimPy and Locust).

An agent is a generator of ``Wait``/``Call`` (:mod:`sim.agents.actions`). Both drivers hand it
a response, fold the waits it yields into the next call's send time — counting the burden
reasons on the way — and, when it returns, write its outcome row (its booking keyed by
:func:`~sim.drivers.hold_ids.hold_key`). Only what a driver does with
a ``Call`` (a modelled queue or an HTTP request) and with the horizon differs, and stays in the
driver.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from sim.agents.actions import AgentScript, Call, Outcome, Response, Wait
from sim.drivers.hold_ids import hold_key
from sim.records import OutcomeLog

__all__ = ["BURDEN", "CUT", "AgentCosts", "Tally", "next_action", "record_outcome"]

BURDEN: Final = frozenset({"captcha", "queue", "slow"})  # Wait reasons that count as patient burden
CUT: Final = Outcome("cut", detail="still running at the end of the horizon")

class AgentCosts(Protocol):
    """What an agent's run has cost so far: calls made and seconds of burden."""

    calls: int
    burden: float
    captcha: float
    queued: float


class Tally:
    """A plain :class:`AgentCosts` (the SimPy driver keeps the same fields on its event)."""

    __slots__ = ("burden", "calls", "captcha", "queued")

    def __init__(self) -> None:
        self.calls = 0
        self.burden = self.captcha = self.queued = 0.0


def next_action(gen: AgentScript, resp: Response | None, costs: AgentCosts, agent: int) -> tuple[Any, float]:
    """Hand ``resp`` to the agent and run it to its next ``Call``: ``(call, delay)``, ``delay``
    the seconds of the waits it yielded on the way; or ``(outcome, delay)`` when it ended."""
    send = gen.send
    delay = 0.0
    try:
        action = send(resp)
        while type(action) is Wait:
            d = action.seconds
            if d > 0:
                delay += d
                if action.reason in BURDEN:
                    costs.burden += d
                    if action.reason == "captcha":
                        costs.captcha += d
                    else:
                        costs.queued += d
            action = send(None)
    except StopIteration as stop:
        return stop.value, delay
    if type(action) is not Call:
        raise TypeError(f"agent {agent} yielded {action!r}; agents yield Wait or Call")
    return action, delay


def record_outcome(log: OutcomeLog, agent: int, outcome: Outcome, t_end: float, costs: AgentCosts) -> None:
    """Append the agent's row to the ``outcomes`` table."""
    log.append(agent, outcome.status, t_end, costs.calls, hold_key(outcome.booking), costs.burden,
               costs.captcha, costs.queued)
