"""A scalper bot lane: one connection of a grab plug-in on one device, playing its crew's tactics.

A device fires ``rate_per_s`` requests per second over ``lanes`` connections; each lane is one
agent with its share of the crew's pooled persons (each with the account that added it) and
IPs. The crew's ``tactics`` (DESIGN §4, seed reports of the Zhejiang platform) are:

- ``snipe`` — fire ``hold`` from ``start_s`` (before the release) at the device rate, a new
  pooled person per attempt, until the session has stayed sold out for
  ``give_up_after_sold_out_s`` or the lane's quota is reached; pay at once unless the slot is
  kept unpaid for spinning.
- ``hold_and_transfer`` — grabbed slots are placeholders offered on the resale market
  (:mod:`sim.agents.resale`) at ``face_price × markup``. When a buyer is matched, the lane
  cancels the placeholder and *immediately* rebooks the same session for the buyer's person from
  the same account (another of its accounts if that one is frozen), then pays. Quarantine with
  random re-release makes the rebook miss; freeze-on-cancel makes it cost an account.
- ``seat_spin`` — holds are never paid: ``spin_margin_s`` before a hold expires the lane
  cancels it and holds again, keeping the slot out of patients' reach at no cost.
- ``scan`` — after the rush (or from ``start_s`` if the crew does not snipe) poll
  ``list_sessions`` every ``scan_interval_s`` (jittered) for the rest of the horizon and hold
  whatever comes back: cancellations, expiries, randomly re-released slots ("24 小时扫描").

Under rate limits (``rate_limited``, ``blocked``): ``on_rate_limit: backoff`` waits Retry-After
on the same IP; ``rotate`` moves to the lane's next IP at once (and to the next person/account
when blocked). A ``frozen`` account is abandoned either way. CAPTCHAs (``captcha_required`` /
``captcha_failed`` with a challenge) are answered by the crew's solver: ``Wait(latency,
"captcha")``, right with probability ``accuracy``; each answer is one paid solve, counted from
the records by :mod:`sim.metrics.economics`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from sim.agents.actions import AgentScript, Call, Outcome, Response, Wait
from sim.agents.spec import AgentSpec
from sim.domain.contract import CAPTCHA_CODES
from sim.scenario.model import BotCrew

__all__ = ["CAPTCHA_CODES", "bot", "captcha_answer"]

Steps = Generator[Wait | Call, Response | None, Any]

_CAPTCHA: Final = CAPTCHA_CODES  # Final: compiled, a constant, not a global looked up per use
_LIMITED: Final = frozenset({"rate_limited", "blocked"})
_ACCOUNT_DEAD: Final = frozenset({"frozen"})
_PERSON_DEAD: Final = frozenset({"rule_violation", "referral_required"})
_REFUSED: Final = _LIMITED | _ACCOUNT_DEAD | _PERSON_DEAD
_NOT_YET: Final = frozenset({"not_released", "queued", "overloaded", "timeout", "rate_limited"})
_MAX_SOLVES_PER_CALL: Final = 5
# native hashing vs browser JS: 100-500 M vs 1-3 M hash/s (FCaptcha, calibration note A4)
_NATIVE_POW_SPEEDUP: Final = 100.0


def captcha_answer(challenge: dict[str, Any], correct: bool) -> dict[str, Any]:
    """The request arguments that answer a CAPTCHA reply body (:mod:`sim.policies.captcha`:
    ``{challenge_id, kind, cost_s}``), right or wrong: a simulated solver says which."""
    return {"captcha": {"id": challenge.get("challenge_id"), "correct": bool(correct)}}


@dataclass(slots=True)
class _Stock:
    """A slot the lane holds: unpaid (spinning) or paid (placeholder for sale)."""

    hold_id: Any  # the target's id as it came (int, UUID string …), passed back unchanged
    session: str
    account: int
    person: int
    expires_at: float
    paid: bool


class _Identities:
    """The lane's pool: persons round-robin per attempt (skipping booked ones and frozen
    accounts), a sticky IP that moves on only when the crew rotates."""

    def __init__(self, spec: AgentSpec) -> None:
        self.persons = spec.persons
        self.accounts = spec.accounts  # accounts[k] added persons[k]
        self.ips = spec.ips
        self.k = 0
        self.j = 0
        self.used: set[int] = set()  # person indices holding a booking
        self.frozen: set[int] = set()  # accounts
        # hold args per (person, IP, session), made once: the rush sends thousands of holds
        # from a few identities (args are never mutated)
        self._hold_args: dict[tuple[int, int, str], dict[str, Any]] = {}

    def _usable(self, k: int) -> bool:
        return k not in self.used and self.accounts[k] not in self.frozen

    def next_person(self, prefer: dict[int, Any] | None = None) -> int:
        """Index of the next usable person, one whose account is in ``prefer`` if any (wraps;
        falls back to any person if all are spent)."""
        n = len(self.persons)
        for wanted in (prefer, None) if prefer else (None,):
            for step in range(n):
                k = (self.k + step) % n
                if self._usable(k) and (wanted is None or self.accounts[k] in wanted):
                    self.k = k + 1
                    return k
        k = self.k % n
        self.k += 1
        return k

    def ident(self, k: int) -> dict[str, int]:
        return {
            "account": self.accounts[k],
            "person": self.persons[k],
            "ip": self.ips[self.j % len(self.ips)],
        }

    def hold_args(self, k: int, session: str) -> dict[str, Any]:
        """``ident(k)`` and the session to hold."""
        key = (k, self.j % len(self.ips), session)
        args = self._hold_args.get(key)
        if args is None:
            args = self._hold_args[key] = {**self.ident(k), "session": session}
        return args

    def other_account(self, account: int) -> int | None:
        """An account of this lane, not ``account`` and not frozen."""
        for a in self.accounts:
            if a != account and a not in self.frozen:
                return a
        return None


class _Lane:
    """One lane's state and its steps (generators driven with ``yield from``)."""

    def __init__(self, spec: AgentSpec, rng: np.random.Generator) -> None:
        self.spec = spec
        self.rng = rng
        self.crew: BotCrew = spec.params
        crew = self.crew
        self.ids = _Identities(spec)
        self.interval: float = spec.lanes / crew.rate_per_s  # the device's rate shared by its lanes
        self.jitter = crew.jitter_ms.sampler  # one draw per shot: the compiled sampler
        self.quota = math.ceil(crew.max_slots / spec.crew_lanes)
        self.route = spec.route or ((spec.department, spec.sessions),)
        self.department, self.sessions = self.route[0]
        self.accuracy = crew.captcha.accuracy
        if crew.captcha.accuracy_sd > 0:  # this device's solver pool (drawn only if it varies)
            self.accuracy = min(max(rng.normal(self.accuracy, crew.captcha.accuracy_sd), 0.0), 1.0)
        self.unpaid: list[tuple[Response, dict[str, int]]] = []  # pays_after_rush: held, to pay
        self.banned_ips: dict[int, float] = {}  # ip index → end of its blacklist ban
        self.market = spec.market if "hold_and_transfer" in crew.tactics else None
        self.spins = "seat_spin" in crew.tactics
        self.scans = "scan" in crew.tactics
        self.stock: list[_Stock] = []
        self.grabbed = 0
        self.sold = 0
        self.solves = 0
        self.now = spec.arrival
        self.next_scan = spec.arrival
        self.tokens: dict[int, str] = {}  # waiting-room admission token per account
        self.tickets = False

    # ---- one request, CAPTCHAs answered ---------------------------------------------------
    def call(self, op: str, args: dict[str, Any]) -> Steps:
        token = self.tokens.get(args.get("account", -1))
        if token is not None:
            args = {**args, "token": token}
        r = yield Call(op, args)
        assert r is not None
        if r.code == "waiting_room":
            self.tokens.pop(int(args["account"]), None)  # none yet, or it lapsed
        if r.code == "waiting_room" and (yield from self.admit(int(args["account"]))):
            r = yield Call(op, {**args, "token": self.tokens[int(args["account"])]})
            assert r is not None
        for _ in range(_MAX_SOLVES_PER_CALL):
            challenge = r.body if r.code in _CAPTCHA else None
            if not challenge or "challenge_id" not in challenge:
                break
            if challenge.get("kind") == "pow":  # computed natively, always right, not bought
                yield Wait(float(challenge.get("cost_s", 0.0)) / _NATIVE_POW_SPEEDUP, "captcha")
                right = True
            else:
                self.solves += 1
                solver = self.crew.captcha
                yield Wait(solver.latency_s.sampler.draw(self.rng), "captcha")
                right = bool(self.rng.random() < self.accuracy)
            r = yield Call(op, {**args, **captcha_answer(challenge, right)})
            assert r is not None
        self.now = r.t
        return r

    def gap(self) -> Wait:
        """The pause before the next shot: the lane's interval plus this request's network
        and scheduling jitter (so lanes never stay locked in phase)."""
        return Wait(self.interval + self.jitter.draw(self.rng) / 1000.0, "pace")

    def limited(self, r: Response, k: int) -> float:
        """React to a refusal aimed at the identity; the seconds to wait before trying again."""
        if r.code in _ACCOUNT_DEAD:
            self.ids.frozen.add(self.ids.accounts[k])
            return self.interval
        if r.code in _PERSON_DEAD:
            self.ids.used.add(k)
            return self.interval
        if r.code == "blocked":
            return self.banned(r, k)
        if self.crew.on_rate_limit == "rotate":
            self.ids.j += 1
            return self.interval
        return r.retry_after if r.retry_after is not None else self.interval

    def banned(self, r: Response, k: int) -> float:
        """A blacklist ban is not a rate limit: a crew does not sit out a 90-day ban, it drops
        the banned identity and goes on with the next one. Only when every IP of the lane is
        banned does it wait, until the first ban ends (its pool is burnt)."""
        key = r.body.get("key", "ip")
        until = float(r.body.get("until", self.now + (r.retry_after or self.interval)))
        if key in ("person", "account"):
            self.ids.used.add(k)
            if key == "account":
                self.ids.frozen.add(self.ids.accounts[k])
            return self.interval
        n = len(self.ids.ips)
        self.banned_ips[self.ids.j % n] = until
        for step in range(1, n + 1):
            j = (self.ids.j + step) % n
            if self.banned_ips.get(j, -math.inf) <= self.now:
                self.ids.j = j
                return self.interval
        j = min(self.banned_ips, key=self.banned_ips.__getitem__)
        self.ids.j = j
        return max(self.banned_ips[j] - self.now, self.interval)

    # ---- policy gates: waiting room, lottery ----------------------------------------------
    def admit(self, account: int) -> Steps:
        """Waiting room: take a ticket for every account of the lane at once (many identities,
        many tickets), then wait for ``account``'s admission; True once it holds a token."""
        ip = self.ids.ident(0)["ip"]
        if not self.tickets:
            self.tickets = True
            for k, a in enumerate(self.ids.accounts):
                if a != account and a not in self.ids.accounts[:k]:
                    r = yield Call(
                        "enter_queue", {"account": a, "person": self.ids.persons[k], "ip": ip}
                    )
                    self._take_token(a, r)
        k = self.ids.accounts.index(account)
        while account not in self.tokens:
            r = yield Call(
                "enter_queue", {"account": account, "person": self.ids.persons[k], "ip": ip}
            )
            assert r is not None
            self.now = r.t
            if not self._take_token(account, r):
                if r.code != "queued":
                    return False
                yield Wait((r.retry_after or 0.0) + self.gap().seconds, "queue")
        return True

    def _take_token(self, account: int, r: Response | None) -> bool:
        if r is not None and r.ok and "token" in r.body:
            self.tokens[account] = str(r.body["token"])
            return True
        return False

    def persist(self, op: str, args: dict[str, Any], until: float = math.inf,
                again: frozenset[str] = _NOT_YET) -> Steps:
        """``call`` again while the answer is in ``again`` ("not yet": not released, queued,
        overloaded, rate-limited …), waiting Retry-After (or the pacing interval) in between."""
        r = yield from self.call(op, args)
        while r.code in again and self.now < until:
            if r.code in _LIMITED and self.crew.on_rate_limit == "rotate":
                self.ids.j += 1
                args = {**args, "ip": self.ids.ident(0)["ip"]}
                wait = self.interval
            else:
                wait = r.retry_after if r.retry_after is not None else self.interval
            yield Wait(wait, "queue" if r.code == "queued" else "pace")
            r = yield from self.call(op, args)
        return r

    def enter_lottery(self, r: Response) -> Steps:
        """Lottery: one entry per pooled person of the lane, then collect and pay the wins."""
        dept = {"department": self.department}
        entered = []
        for k in range(len(self.ids.persons)):
            if self.ids._usable(k):
                args = {**self.ids.ident(k), **dept}
                e = yield from self.persist("lottery_enter", args, again=_NOT_YET - {"queued"})
                if e.code in ("queued", "ok"):
                    entered.append(k)
                    draw_at = float(e.body.get("draw_at", self.now))
        if entered and draw_at > self.now:
            yield Wait(draw_at - self.now + self.gap().seconds, "queue")
        for k in entered:
            ident = self.ids.ident(k)
            w = yield from self.persist("lottery_result", {**ident, **dept})
            if w.ok and self.grabbed < self.quota:
                self.ids.used.add(k)
                yield from self.keep(w, ident)

    # ---- grabbing -------------------------------------------------------------------------
    def grab(self, session: str, rushing: bool = False) -> Steps:
        """One hold attempt under the next pooled person; keep the slot if it works."""
        k = self.ids.next_person(prefer=self.tokens)
        args = self.ids.hold_args(k, session)
        r = yield from self.call("hold", args)
        if r.code == "lottery":
            yield from self.enter_lottery(r)
            return r, self.interval
        if r.ok:
            self.ids.used.add(k)
            yield from self.keep(r, self.ids.ident(k), defer=rushing and self.crew.pays_after_rush)
            return r, self.interval
        if r.code in _REFUSED:
            return r, self.limited(r, k)
        return r, r.retry_after if r.retry_after is not None else self.interval

    def keep(self, r: Response, ident: dict[str, int], defer: bool = False) -> Steps:
        """A fresh hold: pay for it unless spinning; offer it for sale if the crew sells.
        ``defer``: count it now and pay it after the rush (:meth:`pay_deferred`)."""
        if defer:
            self.grabbed += 1
            self.unpaid.append((r, ident))
            return
        yield from self._settle(r, ident)

    def _unpaid_due(self) -> bool:
        """Whether the oldest unpaid hold lapses within a minute."""
        r = self.unpaid[0][0]
        return float(r.body.get("expires_at", math.inf)) - self.now < 60.0

    def pay_deferred(self) -> Steps:
        """``pays_after_rush``: pay the holds grabbed during the rush, oldest first."""
        while self.unpaid:
            r, ident = self.unpaid.pop(0)
            self.grabbed -= 1  # _settle counts it again
            yield from self._settle(r, ident)

    def _settle(self, r: Response, ident: dict[str, int]) -> Steps:
        self.grabbed += 1
        s = _Stock(
            r.body["hold_id"],
            str(r.body.get("session")),
            ident["account"],
            ident["person"],
            float(r.body.get("expires_at", math.inf)),
            False,
        )
        if not self.spins:
            yield Wait(self.crew.pay_s.sampler.draw(self.rng), "pay")
            c = yield from self.persist("confirm", {**ident, "hold": s.hold_id}, s.expires_at)
            if not c.ok:
                return
            s.paid = True
        if self.market is not None or self.spins:
            self.stock.append(s)
        if self.market is not None:
            self.market.offer(self.spec.agent, self.crew.crew, self.crew.resale_price, self.now)

    def rush(self) -> Steps:
        """``snipe``: work the route's departments in order, each until it has stayed sold out
        for a while or the quota is reached."""
        for n, (dept, sessions) in enumerate(self.route):
            if self.grabbed >= self.quota:
                break
            if n:
                yield from self.wait_for_release(dept, sessions)
            yield from self.rush_department(sessions)
            yield from self.pay_deferred()

    def wait_for_release(self, dept: str, sessions: tuple[str, ...]) -> Steps:
        """Move to the next department: look up when it opens and start as far ahead of its
        release as the plug-in started ahead of the first one (``arrival``: relative to T0)."""
        self.department, self.sessions = dept, sessions
        k = self.ids.k % len(self.spec.persons)
        r = yield from self.call("list_sessions", {**self.ids.ident(k), "department": dept})
        opens = [float(s["opens_at"]) for s in r.body.get("sessions", []) if s.get("opens_at") is not None]
        if opens and min(opens) + self.spec.arrival > self.now:
            yield Wait(min(opens) + self.spec.arrival - self.now, "pace")

    def rush_department(self, sessions: tuple[str, ...]) -> Steps:
        """Fire at one department's sessions until sold out for a while or the quota is reached."""
        sold_out_since: float | None = None
        i = 0
        while self.grabbed < self.quota:
            if self.stock:  # spins due; selling waits for the rush (no races with own lanes)
                yield from self.maintain(sell=False)
            sent = self.now
            r, wait = yield from self.grab(sessions[i % len(sessions)], rushing=True)
            i += 1
            if self.unpaid and (r.code == "sold_out" or self._unpaid_due()):
                yield from self.pay_deferred()  # nothing left to grab, or a hold about to lapse
            if r.code == "sold_out":
                sold_out_since = r.t if sold_out_since is None else sold_out_since
                if r.t - sold_out_since >= self.crew.give_up_after_sold_out_s:
                    return
            elif r.ok:
                sold_out_since = None
            if wait == self.interval:
                # the plug-in fires at its rate: the round trip counts towards the interval
                # (a lane waits only for what is left of it), then the request's own jitter
                wait = max(sent + self.interval - self.now, 0.0) + self.jitter.draw(self.rng) / 1000.0
            yield Wait(wait, "pace")
            self.now += wait

    # ---- after the rush: selling, spinning, scanning ---------------------------------------
    def maintain(self, sell: bool = True) -> Steps:
        """Deliver sales due, re-hold spinning slots due, forget slots that lapsed."""
        margin = self.crew.spin_margin_s
        while True:
            self._drop_lapsed()
            deal = (
                self.market.next_deal(self.spec.agent) if sell and self.market is not None else None
            )
            if deal is not None:
                yield from self.deliver(deal)
                continue
            due = next(
                (s for s in self.stock if not s.paid and s.expires_at - margin <= self.now), None
            )
            if self.spins and due is not None:
                yield from self.spin(due)
                continue
            return

    def _drop_lapsed(self) -> None:
        for s in [s for s in self.stock if not s.paid and s.expires_at <= self.now]:
            self._lose(s)

    def _lose(self, s: _Stock) -> None:
        self.stock.remove(s)
        if self.market is not None:
            self.market.withdraw(self.spec.agent)

    def spin(self, s: _Stock) -> Steps:
        """``seat_spin``: cancel an unpaid hold before it expires and hold again at once."""
        ident = {"account": s.account, "person": s.person, "ip": self.ids.ident(0)["ip"]}
        c = yield from self.call("cancel", {**ident, "hold": s.hold_id})
        h = (yield from self.call("hold", {**ident, "session": s.session})) if c.ok else c
        if h.ok:
            s.hold_id, s.expires_at = (
                h.body["hold_id"],
                float(h.body.get("expires_at", math.inf)),
            )
        else:
            self._lose(s)

    def deliver(self, deal: Any) -> Steps:
        """``hold_and_transfer``: cancel a placeholder, rebook it for the buyer, pay."""
        if not self.stock:
            self.market.settle(deal, False, self.now)  # type: ignore[union-attr]
            return
        s = self.stock.pop(0)
        ip = self.ids.ident(0)["ip"]
        c = yield from self.call(
            "cancel", {"account": s.account, "person": s.person, "ip": ip, "hold": s.hold_id}
        )
        ok = False
        account: int | None = s.account
        while c.ok and account is not None:
            buyer = {"account": account, "person": deal.want.person, "ip": ip}
            h = yield from self.call("hold", {**buyer, "session": s.session})
            if h.ok:
                p = yield from self.call("confirm", {**buyer, "hold": h.body["hold_id"]})
                ok = p.ok
                break
            if h.code not in _ACCOUNT_DEAD:
                break
            self.ids.frozen.add(account)
            account = self.ids.other_account(account)
        self.sold += ok
        self.market.settle(deal, ok, self.now)  # type: ignore[union-attr]

    def linger(self) -> Steps:
        """Sell, spin and scan until nothing is left to do (or the horizon cuts the lane)."""
        while True:
            yield from self.maintain()
            wake = []
            if self.scans and self.grabbed < self.quota:
                wake.append(self.next_scan)
            if self.spins and any(not s.paid for s in self.stock):
                wake.append(
                    min(s.expires_at for s in self.stock if not s.paid) - self.crew.spin_margin_s
                )
            if self.market is not None and self.stock:
                wake.append(self.now + self.crew.market_poll_s)
            if not wake:
                return
            yield Wait(max(min(wake) - self.now, 0.0), "pace")
            yield from self.scan()

    def scan(self) -> Steps:
        """Look at the sessions (also the lane's heartbeat); hold any slot that came back."""
        k = self.ids.k % len(self.spec.persons)
        r = yield from self.call(
            "list_sessions", {**self.ids.ident(k), "department": self.department}
        )
        if self.now >= self.next_scan:
            self.next_scan = self.now + self.crew.scan_interval_s * float(
                self.rng.uniform(0.5, 1.5)
            )
        if not (self.scans and r.ok):
            if r.code in _LIMITED:
                self.limited(r, k)
            return
        free = {s["id"] for s in r.body.get("sessions", []) if s.get("remaining", 0) > 0}
        for session in self.sessions:
            if session in free and self.grabbed < self.quota:
                yield from self.grab(session)

    def outcome(self) -> Outcome:
        detail = (f"{self.grabbed} grabbed, {self.sold} sold, {len(self.stock)} in stock, "
                  f"{self.solves} solves")
        return Outcome("booked" if self.grabbed else "sold_out", detail=detail)


def bot(spec: AgentSpec, rng: np.random.Generator) -> AgentScript:
    """Play the crew's tactics on one lane: rush at the release, then sell, spin and scan."""
    lane = _Lane(spec, rng)
    if "snipe" in lane.crew.tactics:
        yield from lane.rush()
    yield from lane.linger()
    return lane.outcome()
