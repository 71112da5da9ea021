"""A hand-built run small enough to work out every metric by hand.

Patients 0–3 (persons 1–4; segments a, a, b, b), one bot lane (agent 4) with pooled persons
100 and 101. Session ``s1`` releases 3 slots at T0:

- hold 1: bot person 100, confirmed at 0.4 → the bot's slot at the end;
- hold 2: patient person 1 (agent 0, arrived at −5), confirmed at 20 → success after 25 s;
- hold 3: patient person 3 holds slot 2 at 15, it expires at 15.5 (an unpaid hold);
- hold 4: patient person 2 takes slot 2 at 16, confirms at 17 and cancels at 30 → no success.

So 3 released, 2 confirmed at the end, 1 unused; bot share 1/2; patient success 1/4.
"""

from __future__ import annotations

from typing import Any

import pytest

from sim.records import AgentLog, EventLog, IdentityLog, OutcomeLog, RequestLog

NAN = float("nan")


def build_tables(planned_lag: float = 0.0) -> dict[str, Any]:
    """The toy run's tables; ``planned_lag`` makes every request planned that much earlier."""
    agents, ids, req, ev, out = AgentLog(), IdentityLog(), RequestLog(), EventLog(), OutcomeLog()
    traits = [("a", -5.0, 0.2), ("a", 0.0, 0.3), ("b", 10.0, 0.5), ("b", 20.0, 1.0)]
    for i, (seg, arrival, reaction) in enumerate(traits):
        agents.append(i, "patient", seg, "patient", "d", i + 1, i + 1, i + 1, arrival, reaction,
                      0.06)
        ids.append(i + 1, i + 1, "patient", seg, i)
    agents.append(4, "bot", "crew", "bot", "d", 50, 100, 60, -1.0, 0.0, 0.02)
    ids.append(100, 50, "bot", "crew", 4)
    ids.append(101, 50, "bot", "crew", 4)
    ev.append(0.0, "release", "s1", -1, 0, -1, -1, 3)
    ev.append(0.05, "hold", "s1", 0, 1, 100, 50, 1)
    ev.append(0.3, "hold", "s1", 1, 2, 1, 1, 1)
    ev.append(0.4, "confirm", "s1", 0, 1, 100, 50, 1)
    ev.append(15.0, "hold", "s1", 2, 3, 3, 3, 1)
    ev.append(15.5, "expire", "s1", 2, 3, 3, 3, 1)
    ev.append(15.5, "return", "s1", 2, 0, -1, -1, 1)
    ev.append(16.0, "hold", "s1", 2, 4, 2, 2, 1)
    ev.append(17.0, "confirm", "s1", 2, 4, 2, 2, 1)
    ev.append(20.0, "confirm", "s1", 1, 2, 1, 1, 1)
    ev.append(30.0, "cancel", "s1", 2, 4, 2, 2, 1)
    rows = [  # agent, op, t_sent, t_done, code
        (0, "hold", 0.2, 0.3, "ok"), (0, "confirm", 19.9, 20.0, "ok"),
        (1, "hold", 0.5, 0.6, "sold_out"), (1, "hold", 1.2, 1.3, "rate_limited"),
        (2, "hold", 1.5, 2.5, "rate_limited"), (2, "hold", 3.0, 13.0, "timeout"),
        (4, "hold", 0.0, 0.05, "ok"), (4, "confirm", 0.3, 0.4, "ok"),
        (4, "hold", 0.5, 0.6, "overloaded"), (3, "list_sessions", 0.9, 0.95, "blocked"),
    ]
    for agent, op, sent, done, code in rows:
        req.append(agent, op, sent - planned_lag, sent, NAN, NAN, done, code)
    for agent, burden, captcha, queue in [(0, 0.0, 0.0, 0.0), (1, 10.0, 10.0, 0.0),
                                          (2, 20.0, 0.0, 20.0), (3, 30.0, 0.0, 30.0),
                                          (4, 100.0, 100.0, 0.0)]:
        out.append(agent, "done", 60.0, 2, -1, burden, captcha, queue)
    return {"agents": agents.to_arrow(), "identities": ids.to_arrow(), "requests": req.to_arrow(),
            "bookings": ev.to_arrow(), "outcomes": out.to_arrow()}


@pytest.fixture
def toy_tables() -> dict[str, Any]:
    return build_tables()


@pytest.fixture
def toy_tables_with_lag() -> Any:
    """``build_tables`` itself, for tests that vary the planned-send lag."""
    return build_tables


@pytest.fixture
def toy_meta() -> dict[str, Any]:
    return {"capacities": {"s1": 3}}
