"""The patient: arrives, watches the countdown or refreshes, clicks, pays — and gives up.

Written once as a generator (see :mod:`sim.agents.actions`); the SimPy and Locust drivers both
run it. Everything a patient knows about time comes from the ``t`` on responses.

Anti-bot policies answer with codes of their own; a patient meets them like this:

- ``captcha_required`` / ``captcha_failed`` — solve it (the segment's time and accuracy for the
  challenge's kind, ``Wait(..., "captcha")``; proof-of-work costs the challenge's ``cost_s``)
  and repeat the request, up to ``captcha_tries`` challenges;
- ``rate_limited`` — wait Retry-After (``"slow"``) and repeat;
- ``waiting_room`` — take a ticket (``enter_queue``), poll it (``"queue"``) until admitted, then
  send the token with every request;
- ``lottery`` — enter once (``lottery_enter``), come back at the draw (``lottery_result``);
- a session list carrying ``waitlist`` when nothing is left — join once and poll for an offer;
- ``frozen`` — re-verify (``reverify``, with probability ``reverify_p``) and wait for the
  unfreeze, or give up; ``blocked`` — wait if the ban ends within patience, else give up;
  ``referral_required`` / ``rule_violation`` — give up.

A patient with ``cancel_p`` cancels the booking later for a real reason and books again.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from sim.agents.actions import AgentScript, Call, Outcome, Response, Wait
from sim.agents.spec import AgentSpec
from sim.domain.contract import CAPTCHA_CODES
from sim.domain.referral import referral_code
from sim.scenario.model import PatientSegment

__all__ = ["patient"]

# Answers after which trying the same request again may help (the hold may still be payable).
_CAPTCHA: Final = CAPTCHA_CODES  # Final: compiled, a constant, not a global looked up per use
_TRANSIENT: Final = frozenset({"overloaded", "timeout", "network_error", "not_released", "conflict"})
_REFUSALS: Final = frozenset({"frozen", "blocked", "referral_required", "rule_violation"})
_REFERRAL_OPS: Final = frozenset({"hold", "lottery_enter", "waitlist_join"})
# The service did not answer (overloaded, timed out, lost): ask the same thing again later.
_TRANSIENT_NET: Final = frozenset({"overloaded", "timeout", "network_error"})
_WAIT_AGAIN: Final = frozenset({"queued"}) | _TRANSIENT_NET

Steps = Generator[Wait | Call, Response | None, Any]

# What a waiting loop answers when the patient's patience ran out while waiting in it.
_IMPATIENT: Final = "impatient"


@dataclass(slots=True)
class _Visit:
    """One patient's client-side state while booking."""

    spec: AgentSpec
    seg: PatientSegment
    rng: np.random.Generator
    deadline: float
    referral: str | None = None
    token: str | None = None  # waiting-room admission
    will_reverify: bool | None = None  # decided when first frozen
    entered_lottery: bool = False
    joined_waitlist: bool = False
    cancelled: bool = False
    ident: dict[str, Any] = field(default_factory=dict)  # account, person, ip
    dept: dict[str, Any] = field(default_factory=dict)  # the args of every department-wide op
    # Calls whose args are ``dept``, made once per credentials: list_sessions, repeated until
    # something opens, is most of a patient's traffic (calls and their args are never mutated)
    dept_calls: dict[str, Call] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = self.spec
        self.ident = {"account": spec.account, "person": spec.person, "ip": spec.ip}
        if self.seg.channel == "clinic":  # booked by the doctor's terminal, not the online app
            self.ident["channel"] = "clinic"
        self.dept = {"department": spec.department}

    def args(self, op: str, extra: dict[str, Any]) -> dict[str, Any]:
        """Identity, the credentials this patient holds, and the op's own arguments."""
        out = {**self.ident, **extra}
        if self.token is not None:
            out["token"] = self.token
        if self.referral is not None and op in _REFERRAL_OPS:
            out["referral"] = self.referral
        return out

    def call(self, op: str, extra: dict[str, Any]) -> Call:
        """The request for ``op`` with its own arguments ``extra``."""
        if extra is not self.dept:
            return Call(op, self.args(op, extra))
        c = self.dept_calls.get(op)
        if c is None:
            c = self.dept_calls[op] = Call(op, self.args(op, extra))
        return c

    def admitted(self, token: str) -> None:
        """Keep a waiting-room token: every request from now on carries it."""
        self.token = token
        self.dept_calls.clear()

    def think(self) -> float:
        return self.seg.think_s.sampler.draw(self.rng)

    def come_back(self, r: Response, default: float) -> float:
        """Seconds until the patient looks again after being told to wait: Retry-After (or
        ``default``) plus when they happen to look again (``poll_jitter_s``)."""
        base = r.retry_after if r.retry_after is not None else default
        return base + self.seg.poll_jitter_s.sampler.draw(self.rng)


def _wait_within(v: _Visit, r: Response, seconds: float, reason: str) -> Steps:
    """Wait ``seconds`` after answer ``r``, but never past the patient's deadline: None if the
    wait ends in time, else an ``impatient`` answer stamped at the deadline (the time spent
    waiting is then capped by patience, so burden can never exceed it)."""
    if r.t + seconds <= v.deadline:
        yield Wait(seconds, reason)
        return None
    yield Wait(max(v.deadline - r.t, 0.0), reason)
    return Response(_IMPATIENT, {}, v.deadline)


def _late(v: _Visit, r: Response) -> bool:
    return r.t > v.deadline or r.code == _IMPATIENT


def _solve(v: _Visit, challenge: dict[str, Any]) -> tuple[float, bool]:
    """Seconds spent on a challenge and whether the answer is right."""
    kind = str(challenge.get("kind", "image_grid"))
    if kind == "pow":
        return float(challenge.get("cost_s", 0.0)), True
    skill = v.seg.captcha.get(kind) or v.seg.captcha.get("image_grid")
    if skill is None:
        return 0.0, False  # the segment declares no skill for this kind: it cannot solve it
    return skill.solve_s.sampler.draw(v.rng), bool(v.rng.random() < skill.accuracy)


def _send(v: _Visit, op: str, extra: dict[str, Any]) -> Steps:
    """One request, answering the gates on the way (CAPTCHA, rate limit, waiting room)."""
    answer: dict[str, Any] | None = None
    tries = 0
    while True:
        r = yield v.call(op, extra) if answer is None else v.call(op, {**extra, **answer})
        assert r is not None
        if r.t > v.deadline:
            return r
        if r.code in _CAPTCHA and tries < v.seg.captcha_tries:
            tries += 1
            seconds, correct = _solve(v, r.body)
            yield Wait(seconds, "captcha")
            answer = {"captcha": {"id": r.body.get("challenge_id"), "correct": correct}}
            continue
        if r.code == "rate_limited" and r.retry_after is not None:
            late = yield from _wait_within(v, r, r.retry_after, "slow")
            if late is not None:
                return late
            continue
        if r.code == "waiting_room" and op != "enter_queue":
            q = yield from _queue(v)
            if q.ok:
                continue
            return q
        return r


def _queue(v: _Visit) -> Steps:
    """Take a waiting-room ticket and poll it until admitted (the token is kept); a 503 or a
    timeout is asked again after a pause, a wait past patience ends the visit."""
    while True:
        r = yield from _send(v, "enter_queue", {})
        if r.ok:
            v.admitted(str(r.body.get("token")))
            return r
        if r.code not in _WAIT_AGAIN or _late(v, r):
            return r
        wait = v.come_back(r, 5.0) if r.code == "queued" else v.think()
        late = yield from _wait_within(v, r, wait, "queue")
        if late is not None:
            return late


def _lottery(v: _Visit) -> Steps:
    """Enter the department's draw once and come back for the result — whenever the patient
    looks again after the draw (``poll_jitter_s``), asking again after a 503 or a timeout.
    An entrant waits for the draw even past the patience of the visit (it is a promise of a
    result, not a screen to watch): the deadline becomes the draw plus patience."""
    v.entered_lottery = True
    dept = v.dept
    op = "lottery_enter"
    while True:
        r = yield from _send(v, op, dept)
        if r.code == "queued":
            op = "lottery_result"
            v.deadline = max(v.deadline, r.t + (r.retry_after or 0.0) + v.seg.patience_s)
            yield Wait(v.come_back(r, 5.0), "lottery")
        elif r.code in _TRANSIENT_NET and r.t < v.deadline:
            yield Wait(v.think(), "think")
        else:
            return r


def _waitlist(v: _Visit) -> Steps:
    """Join the department's waitlist once and poll for an offered slot until patience ends."""
    v.joined_waitlist = True
    dept = v.dept
    r = yield from _send(v, "waitlist_join", dept)
    op = "waitlist_status" if r.code == "queued" else "waitlist_join"
    while r.code in _WAIT_AGAIN and r.t < v.deadline:
        wait = v.come_back(r, 60.0) if r.code == "queued" else v.think()
        yield Wait(wait, "waitlist")
        r = yield from _send(v, op, dept)
        if r.code == "queued":
            op = "waitlist_status"
    return r


def _refused(v: _Visit, r: Response) -> Steps:
    """React to a refusal aimed at the patient: an Outcome to stop with, or None to go on."""
    if r.code == "frozen":
        if v.will_reverify is None:
            v.will_reverify = bool(v.rng.random() < v.seg.reverify_p)
        if not v.will_reverify:
            return Outcome("frozen")
        q = yield from _send(v, "reverify", {})
        wait = (q.retry_after or 0.0) if q.code == "queued" else 0.0
        if q.code not in ("queued", "ok") or q.t + wait > v.deadline:
            return Outcome("frozen")
        yield Wait(wait, "verify")
        return None
    if r.code == "blocked" and r.retry_after is not None and r.t + r.retry_after < v.deadline:
        yield Wait(r.retry_after, "slow")
        return None
    return Outcome({"referral_required": "no_referral"}.get(r.code, r.code))


def _pick(wanted: Sequence[str], sessions: list[dict[str, Any]]) -> str | None:
    """The first session of ``wanted`` (in order of preference) that has slots left."""
    open_ids = {s["id"] for s in sessions if s.get("remaining", 0) > 0}
    for sid in wanted:
        if sid in open_ids:
            return sid
    return None


def _countdown(spec: AgentSpec, sessions: list[dict[str, Any]], now: float) -> float | None:
    """Seconds until the preferred session is announced to open, if it has not opened yet."""
    for s in sessions:
        if s["id"] == spec.sessions[0] and s.get("opens_at") is not None and s["opens_at"] > now:
            return float(s["opens_at"]) - now
    return None


def _pay(v: _Visit, hold: Response) -> Steps:
    """Pay for a hold; retry the (idempotent) confirm while the answer is transient."""
    yield Wait(v.seg.pay_s.sampler.draw(v.rng), "pay")
    extra = {"hold": hold.body["hold_id"]}
    while True:
        r = yield from _send(v, "confirm", extra)
        if r.code not in _TRANSIENT or r.t >= hold.body.get("expires_at", r.t):
            return r
        yield Wait(v.think(), "think")


def _cancel_for_real(v: _Visit, booked: Response) -> Steps:
    """With ``cancel_p``: later, cancel the booking (plans changed) — True if it was cancelled."""
    seg = v.seg
    if v.cancelled or seg.cancel_p <= 0 or not v.rng.random() < seg.cancel_p:
        return False
    yield Wait(seg.cancel_after_s.sampler.draw(v.rng), "think")
    r = yield from _send(v, "cancel", {"hold": booked.body["hold_id"]})
    if not r.ok:
        return False
    v.cancelled = True
    v.deadline = r.t + seg.patience_s  # booking again is a new attempt
    return True


def patient(spec: AgentSpec, rng: np.random.Generator) -> AgentScript:
    """One patient's session from arrival to booking or giving up."""
    seg: PatientSegment = spec.params
    flexible = bool(rng.random() < seg.flexibility)
    wanted = spec.sessions if flexible else spec.sessions[:1]  # the preferred one, or any
    v = _Visit(spec, seg, rng, spec.arrival + seg.patience_s)
    if seg.referral_p > 0 and rng.random() < seg.referral_p:
        v.referral = referral_code(spec.person)
    failures = 0
    direct: str | None = None  # a session to click straight away (after the countdown)
    while failures <= seg.retries:
        h: Response | None = None
        if direct is None:
            r = yield from _send(v, "list_sessions", v.dept)
            if _late(v, r):
                return Outcome("impatient")
            if r.code in _REFUSALS:
                stop: Outcome | None = yield from _refused(v, r)
                if stop is not None:
                    return stop
                failures += 1
                continue
            if not r.ok:
                failures += 1
                yield Wait(r.retry_after or v.think(), "think")
                continue
            sessions = r.body.get("sessions", [])
            target = _pick(wanted, sessions)
            if target is None:
                wait = _countdown(spec, sessions, r.t)
                if wait is not None:  # watch the countdown, then click at once
                    yield Wait(wait, "countdown")
                    direct = spec.sessions[0]
                    continue
                if "waitlist" not in r.body or v.joined_waitlist:
                    failures += 1  # sold out for now: refresh later, slots may come back
                    yield Wait(v.think(), "think")
                    continue
                h = yield from _waitlist(v)
        else:
            target, direct = direct, None
        if h is None:
            click = spec.reaction * seg.reaction_noise.sampler.draw(rng) + seg.jitter_ms.sampler.draw(rng) / 1000.0
            yield Wait(click, "react")
            h = yield from _send(v, "hold", {"session": target})
            if h.code == "lottery" and not v.entered_lottery:
                h = yield from _lottery(v)
        if h.ok:
            c = yield from _pay(v, h)
            if c.ok:
                again = yield from _cancel_for_real(v, c)
                if not again:
                    return Outcome("booked", str(c.body.get("hold_id", h.body["hold_id"])))
                failures = 0
                continue
        if h.code in _REFUSALS:
            stop = yield from _refused(v, h)
            if stop is not None:
                return stop
        if _late(v, h):
            return Outcome("impatient")
        failures += 1
        yield Wait(h.retry_after or v.think(), "think")
    return Outcome("gave_up")
