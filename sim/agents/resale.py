"""The resale market: patients who failed on the platform buy a slot from a scalper crew.

A scalper lane that holds a slot it means to sell *offers* it at the crew's price
(``face_price × markup``); a patient who failed and is willing posts a *want* with the most
they would pay (``wtp``) and how long they wait. The market matches a want with the cheapest
offer the buyer can afford (ties: the lane that offered first), FIFO among buyers, and queues
a :class:`Deal` for the selling lane. The lane then delivers with the transfer of DESIGN §3:
cancel its placeholder booking and at once rebook the session under the *buyer's* person from
its own account (:func:`sim.agents.bot.bot`). A delivery that fails (someone else took the
freed slot, the slot went into quarantine, the account was frozen) puts the buyer back in
the queue.

Nothing about a sale is hidden from the records: the ``bookings`` table shows the crew's
``cancel`` of its placeholder and a ``hold``/``confirm`` whose ``person`` is the buyer's and
whose ``account`` is a crew account; :func:`sim.metrics.economics.resale_mask` finds them.

**Where the market lives.** One :class:`Market` per run, built with the plan
(:func:`sim.agents.population.build_population`) and handed to every seller and buyer through
``AgentSpec.market``; agents touch it only right after a response, at that response's time
``t``, so the order of market operations is the simulated time order and the SimPy driver needs
no special case. In a load run each Locust worker process builds its own plan and so its own
market: patients meet the scalpers of their own shard only. That is exact for one worker;
with several workers run resale scenarios with one process per crew's buyers, or accept that
cross-shard sales are not modelled (the booking side is still exercised for real).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.agents.actions import AgentScript, Call, Outcome, Response, Wait
from sim.agents.patient import patient
from sim.agents.spec import AgentSpec
from sim.scenario.model import BotCrew, PatientSegment

__all__ = ["Deal", "Market", "Want", "buyer", "market_for"]


@dataclass(slots=True)
class Want:
    """A buyer waiting for a seller: the person to book for, the most they pay, until when."""

    agent: int
    person: int
    wtp: float
    t: float
    until: float


@dataclass(slots=True)
class Deal:
    """A matched sale, to be delivered by lane ``seller``."""

    deal: int
    seller: int
    crew: str
    want: Want
    price: float
    t: float
    delivered: bool | None = None  # None while pending


@dataclass(slots=True)
class Market:
    """Offers (stock per selling lane) and wants, matched as either side arrives."""

    min_price: float
    stock: dict[int, int] = field(default_factory=dict)  # lane -> slots offered, not yet sold
    price: dict[int, float] = field(default_factory=dict)  # lane -> its crew's price
    crew_of: dict[int, str] = field(default_factory=dict)
    wants: deque[Want] = field(default_factory=deque)
    pending: dict[int, deque[Deal]] = field(default_factory=dict)  # lane -> deals to deliver
    deals: list[Deal] = field(default_factory=list)  # every deal ever made (diagnostics, tests)

    # ---- sellers ------------------------------------------------------------------------
    def offer(self, lane: int, crew: str, price: float, now: float) -> None:
        """Lane ``lane`` has one more slot for sale at ``price``; match a waiting buyer if any."""
        self.stock[lane] = self.stock.get(lane, 0) + 1
        self.price[lane] = price
        self.crew_of[lane] = crew
        self._match_waiting(lane, now)

    def withdraw(self, lane: int) -> None:
        """Lane ``lane`` lost one unsold slot (expired, taken while re-holding)."""
        if self.stock.get(lane, 0) > 0:
            self.stock[lane] -= 1

    def next_deal(self, lane: int) -> Deal | None:
        """The next sale lane ``lane`` must deliver, if any."""
        q = self.pending.get(lane)
        return q.popleft() if q else None

    def settle(self, deal: Deal, delivered: bool, now: float) -> None:
        """Record whether the seller delivered; a failed delivery puts the buyer back first."""
        deal.delivered = delivered
        if not delivered and deal.want.until > now:
            self.wants.appendleft(deal.want)
            self._match_any(now)

    # ---- buyers -------------------------------------------------------------------------
    def want(self, w: Want) -> None:
        """A failed patient looks for a seller; wants nobody can ever serve are dropped."""
        if w.wtp < self.min_price:
            return
        lane = self._cheapest_for(w.wtp)
        if lane is None:
            self.wants.append(w)
        else:
            self._make_deal(lane, w, w.t)

    # ---- matching -----------------------------------------------------------------------
    def _cheapest_for(self, wtp: float) -> int | None:
        best: int | None = None
        for lane, n in self.stock.items():  # insertion order = order lanes first offered
            if (
                n > 0
                and self.price[lane] <= wtp
                and (best is None or self.price[lane] < self.price[best])
            ):
                best = lane
        return best

    def _match_waiting(self, lane: int, now: float) -> None:
        kept: deque[Want] = deque()
        while self.wants and self.stock.get(lane, 0) > 0:
            w = self.wants.popleft()
            if w.until <= now:
                continue  # gave up waiting
            if w.wtp >= self.price[lane]:
                self._make_deal(lane, w, now)
            else:
                kept.append(w)
        kept.extend(self.wants)
        self.wants = kept

    def _match_any(self, now: float) -> None:
        for lane in list(self.stock):
            self._match_waiting(lane, now)

    def _make_deal(self, lane: int, w: Want, now: float) -> None:
        self.stock[lane] -= 1
        d = Deal(len(self.deals), lane, self.crew_of[lane], w, self.price[lane], now)
        self.deals.append(d)
        self.pending.setdefault(lane, deque()).append(d)


def market_for(crews: Sequence[BotCrew], segments: Sequence[PatientSegment]) -> Market | None:
    """A market if some crew sells (``hold_and_transfer``) and some patients would buy."""
    sellers = [c for c in crews if "hold_and_transfer" in c.tactics]
    if not sellers or not any(s.resale_willing > 0 for s in segments):
        return None
    return Market(min_price=min(c.resale_price for c in sellers))


def buyer(spec: AgentSpec, rng: np.random.Generator) -> AgentScript:
    """A patient willing to buy from a scalper: plays the ordinary patient; if that fails,
    posts a want at the time of the last answer and ends with status ``to_scalper`` (whether a
    scalper delivered shows in the bookings: the buyer's person booked by a crew account)."""
    outcome, last_t = yield from _timed(patient(spec, rng), spec.arrival)
    if outcome.status == "booked" or spec.market is None:
        return outcome
    seg: PatientSegment = spec.params
    wtp = seg.wtp.draw(rng)
    spec.market.want(Want(spec.agent, spec.person, wtp, last_t, last_t + seg.market_patience_s))
    return Outcome("to_scalper", detail=f"{outcome.status}; wtp {wtp:.0f}")


def _timed(
    gen: AgentScript, start: float
) -> Generator[Wait | Call, Response | None, tuple[Outcome, float]]:
    """Run ``gen`` unchanged; return its outcome and the time of the last response it got
    (market operations must happen at a response time, see the module docstring)."""
    resp: Response | None = None
    last = start
    while True:
        try:
            action = gen.send(resp)
        except StopIteration as stop:
            return stop.value, last
        resp = yield action
        if resp is not None:
            last = resp.t
