"""A scalper bot lane: one connection of a grab plug-in on one device.

A device fires ``rate_per_s`` requests per second over ``lanes`` connections; each lane is one
agent. It holds slots straight away under the crew's pooled persons (it knows the session ids
before the release), pays at once, rotates accounts, persons and IPs, and stops when the
session has stayed sold out for a while or it reached its quota.
"""

from __future__ import annotations

import math

import numpy as np

from sim.agents.actions import AgentScript, Call, Outcome, Wait
from sim.agents.population import AgentSpec
from sim.scenario.model import BotCrew

__all__ = ["bot"]


def bot(spec: AgentSpec, rng: np.random.Generator) -> AgentScript:
    """Snipe at release: hold, pay at once, rotate identities, retry until sold out for long."""
    crew: BotCrew = spec.params
    interval = crew.lanes / crew.rate_per_s
    quota = math.ceil(crew.max_slots / (crew.devices * crew.lanes))
    booked = 0
    sold_out_since: float | None = None
    i = 0
    while booked < quota:
        k = i % len(spec.persons)
        ident = {"account": spec.accounts[k], "person": spec.persons[k], "ip": spec.ips[i % len(spec.ips)]}
        session = spec.sessions[i % len(spec.sessions)]
        i += 1
        r = yield Call("hold", {**ident, "session": session})
        assert r is not None
        if r.ok:
            sold_out_since = None
            yield Wait(crew.pay_s.draw(rng), "pay")
            c = yield Call("confirm", {**ident, "hold": r.body["hold_id"]})
            assert c is not None
            booked += c.ok
        elif r.code == "sold_out":
            sold_out_since = r.t if sold_out_since is None else sold_out_since
            if r.t - sold_out_since >= crew.give_up_after_sold_out_s:
                return Outcome("sold_out" if booked == 0 else "booked", detail=f"{booked} booked")
        yield Wait(r.retry_after or interval, "pace")
    return Outcome("booked", detail=f"{booked} booked")
