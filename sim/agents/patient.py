"""The patient: arrives, watches the countdown or refreshes, clicks, pays — and gives up.

Written once as a generator (see :mod:`sim.agents.actions`); the SimPy and Locust drivers both
run it. Everything a patient knows about time comes from the ``t`` on responses.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from sim.agents.actions import AgentScript, Call, Outcome, Response, Wait
from sim.agents.population import AgentSpec
from sim.scenario.model import PatientSegment

__all__ = ["patient"]

# Answers after which trying again is pointless for this request (the slot is not coming back).
_TRANSIENT = frozenset({"overloaded", "timeout", "network_error", "not_released", "conflict"})


def _ident(spec: AgentSpec) -> dict[str, Any]:
    return {"account": spec.account, "person": spec.person, "ip": spec.ip}


def _pick(spec: AgentSpec, seg: PatientSegment, sessions: list[dict[str, Any]], flexible: bool) -> str | None:
    """The best open session with slots left: the preferred one, or (if flexible) any."""
    open_ids = {s["id"] for s in sessions if s.get("remaining", 0) > 0}
    wanted = spec.sessions if flexible else spec.sessions[:1]
    return next((sid for sid in wanted if sid in open_ids), None)


def _countdown(spec: AgentSpec, sessions: list[dict[str, Any]], now: float) -> float | None:
    """Seconds until the preferred session is announced to open, if it has not opened yet."""
    for s in sessions:
        if s["id"] == spec.sessions[0] and s.get("opens_at") is not None and s["opens_at"] > now:
            return float(s["opens_at"]) - now
    return None


def _pay(spec: AgentSpec, seg: PatientSegment, hold: Response, rng: np.random.Generator) -> Generator[
        Wait | Call, Response | None, Response]:
    """Pay for a hold; retry the (idempotent) confirm while the answer is transient."""
    yield Wait(seg.pay_s.draw(rng), "pay")
    args = {**_ident(spec), "hold": hold.body["hold_id"]}
    while True:
        r = yield Call("confirm", args)
        assert r is not None
        if r.code not in _TRANSIENT or r.t >= hold.body.get("expires_at", r.t):
            return r
        yield Wait(seg.think_s.draw(rng), "think")


def patient(spec: AgentSpec, rng: np.random.Generator) -> AgentScript:
    """One patient's session from arrival to booking or giving up."""
    seg: PatientSegment = spec.params
    flexible = bool(rng.random() < seg.flexibility)
    deadline = spec.arrival + seg.patience_s
    failures = 0
    direct: str | None = None  # a session to click straight away (after the countdown)
    while failures <= seg.retries:
        if direct is None:
            r = yield Call("list_sessions", {**_ident(spec), "department": spec.department})
            assert r is not None
            if r.t > deadline:
                return Outcome("impatient")
            if not r.ok:
                failures += 1
                yield Wait(r.retry_after or seg.think_s.draw(rng), "think")
                continue
            sessions = r.body.get("sessions", [])
            target = _pick(spec, seg, sessions, flexible)
            if target is None:
                wait = _countdown(spec, sessions, r.t)
                if wait is not None:  # watch the countdown, then click at once
                    yield Wait(wait, "countdown")
                    direct = spec.sessions[0]
                else:
                    failures += 1  # sold out for now: refresh later, slots may come back
                    yield Wait(seg.think_s.draw(rng), "think")
                continue
        else:
            target, direct = direct, None
        yield Wait(spec.reaction, "react")
        h = yield Call("hold", {**_ident(spec), "session": target})
        assert h is not None
        if h.ok:
            c = yield from _pay(spec, seg, h, rng)
            if c.ok:
                return Outcome("booked", str(c.body.get("hold_id", h.body["hold_id"])))
        if h.t > deadline:
            return Outcome("impatient")
        failures += 1
        yield Wait(h.retry_after or seg.think_s.draw(rng), "think")
    return Outcome("gave_up")
