"""Scalper economics: what each crew sold, earned, spent and kept, and its break-even markup.

From the records alone (any driver) plus each crew's terms (``meta["crews"]``, made by
:func:`crew_terms` from the scenario):

- **sales**: bookings confirmed at the end whose person is *not* in a crew's pool but whose
  account is one of the crew's — the cancel-and-rebook transfer of :mod:`sim.agents.resale`;
  and, for a crew that does not resell (no ``hold_and_transfer``), its own bookings too: it
  books in buyers' names with their identity data preset (CCTV-Shenyang: "preset patient
  information"), so its pool persons stand for buyers found in advance;
- **own bookings**: a reselling crew's bookings confirmed at the end under its own pool of
  persons — unsold placeholders, paid for;
- **solves**: the crew's requests answered ``captcha_required``/``captcha_failed`` (the bot
  answers each one with one paid solve; proof-of-work challenges are counted too).

Money, in the scenario's currency (yuan) per run: revenue = sales × face_price × markup;
costs = face_price × (sales + own bookings) (every booking still confirmed was paid for;
cancelled ones refunded) + proxies (ips × proxy_cost_per_ip) + identities (persons ×
id_cost_per_person) + devices (devices × device_cost) + solves × price_per_1000 / 1000;
profit = revenue − costs. The **break-even markup** is the markup at which this run's profit
would be 0 with the same sales: costs / (sales × face_price) (undefined without sales). It is
an accounting break-even: at a lower price more failed patients would have bought.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.domain.contract import CAPTCHA_CODES
from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column
from sim.scenario.model import BotCrew

__all__ = ["CrewEconomics", "crew_economics", "crew_terms", "economics_metrics", "resale_mask"]



def crew_terms(crews: Sequence[BotCrew]) -> list[dict[str, Any]]:
    """What the economics need to know about each crew (JSON-able, for run metadata)."""
    return [
        {"crew": c.crew, "face_price": c.face_price, "markup": c.markup, "devices": c.devices,
         "ips": c.ips, "persons": c.persons, "proxy_cost_per_ip": c.proxy_cost_per_ip,
         "id_cost_per_person": c.id_cost_per_person, "device_cost": c.device_cost,
         "accounts": c.accounts, "account_cost": c.account_cost,
         "price_per_1000": c.captcha.price_per_1000,
         "presold": "hold_and_transfer" not in c.tactics}
        for c in crews
    ]


@dataclass(frozen=True, slots=True)
class CrewEconomics:
    """One crew's accounts for one run."""

    crew: str
    face_price: float
    markup: float
    sales: int
    own_bookings: int
    solves: int
    fixed_cost: float  # proxies + identities + devices
    solve_cost: float

    @property
    def revenue(self) -> float:
        """Sales × resale price."""
        return self.sales * self.face_price * self.markup

    @property
    def cost(self) -> float:
        """Slots paid for, proxies, identities, devices and CAPTCHA solves."""
        slots = self.face_price * (self.sales + self.own_bookings)
        return slots + self.fixed_cost + self.solve_cost

    @property
    def profit(self) -> float:
        """Revenue − cost."""
        return self.revenue - self.cost

    def profit_at(self, markup: float) -> float:
        """The profit had the crew sold the same slots at ``markup``."""
        return self.sales * self.face_price * markup - self.cost

    @property
    def break_even_markup(self) -> float:
        """The markup at which profit is 0 with these sales (NaN without sales)."""
        gross = self.sales * self.face_price
        return self.cost / gross if gross > 0 else math.nan


def _final_accounts(run: RunView) -> tuple[np.ndarray, np.ndarray]:
    """(person, account) of every booking confirmed at the end."""
    fb = run.final_bookings
    b = run.table("bookings")
    confirm = column(b, "event") == "confirm"
    hid = column(b, "hold_id", np.int64)[confirm]
    acc = column(b, "account", np.int64)[confirm]
    if len(hid) == 0:
        return fb.person, np.full(len(fb), -1, dtype=np.int64)
    order = np.argsort(hid, kind="stable")
    return fb.person, acc[order][np.searchsorted(hid[order], fb.hold_id)]  # each has a confirm


def _crew_identities(run: RunView, crew: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(persons, accounts, agents) of one crew."""
    ids, agents = run.table("identities"), run.table("agents")
    mine = (column(ids, "kind") == "bot") & (column(ids, "group") == crew)
    lanes = (column(agents, "kind") == "bot") & (column(agents, "group") == crew)
    persons = column(ids, "person", np.int64)[mine]
    accounts = np.unique(column(ids, "account", np.int64)[mine])
    return persons, accounts, column(agents, "agent", np.int64)[lanes]


def resale_mask(run: RunView) -> np.ndarray:
    """Per final booking (aligned with ``run.final_bookings``): was it delivered by a crew to a
    person outside every crew's pool (a resale)?"""
    persons, accounts = _final_accounts(run)
    ids = run.table("identities")
    bot = column(ids, "kind") == "bot"
    bot_accounts = np.unique(column(ids, "account", np.int64)[bot])
    return np.isin(accounts, bot_accounts) & ~run.is_bot_person(persons)


def crew_economics(run: RunView, terms: Sequence[Mapping[str, Any]]) -> list[CrewEconomics]:
    """Each crew's :class:`CrewEconomics` for this run."""
    persons, accounts = _final_accounts(run)
    req = run.table("requests")
    asked = np.isin(column(req, "code"), sorted(CAPTCHA_CODES))
    req_agent = column(req, "agent", np.int64)
    out = []
    for t in terms:
        pool, crew_accounts, lanes = _crew_identities(run, str(t["crew"]))
        own = np.isin(persons, pool)
        sold = np.isin(accounts, crew_accounts) & ~run.is_bot_person(persons)
        if t.get("presold", False):  # booked in the buyers' names: every booking is a sale
            sold |= own
            own = np.zeros_like(own)
        solves = int((asked & np.isin(req_agent, lanes)).sum())
        fixed = (t["ips"] * t["proxy_cost_per_ip"] + t["persons"] * t["id_cost_per_person"]
                 + t["devices"] * t["device_cost"] + t.get("accounts", 0) * t.get("account_cost", 0.0))
        out.append(CrewEconomics(str(t["crew"]), float(t["face_price"]), float(t["markup"]),
                                 int(sold.sum()), int(own.sum()), solves, float(fixed),
                                 solves * float(t["price_per_1000"]) / 1000.0))
    return out


@metric_group("economics", order=50)
def economics_metrics(run: RunView) -> dict[str, float]:
    """``bot_share_resale`` and ``bot_share_total`` (direct + resale, 0–1), ``resale_sales``;
    with crew terms in ``meta["crews"]``: ``scalper_revenue``, ``scalper_cost``,
    ``scalper_profit``, ``break_even_markup`` (one markup for all crews), and per crew
    ``scalper_profit.<crew>``, ``break_even_markup.<crew>``, ``captcha_solves.<crew>``."""
    fb = run.final_bookings
    resold = resale_mask(run)
    n = len(fb)
    out = {
        "resale_sales": float(resold.sum()),
        "bot_share_resale": float(resold.mean()) if n else math.nan,
        "bot_share_total": float((resold | run.is_bot_person(fb.person)).mean()) if n else math.nan,
    }
    crews = crew_economics(run, run.meta.get("crews", ()))
    if not crews:
        return out
    gross = sum(c.sales * c.face_price for c in crews)
    cost = sum(c.cost for c in crews)
    out.update({
        "scalper_revenue": sum(c.revenue for c in crews),
        "scalper_cost": cost,
        "scalper_profit": sum(c.profit for c in crews),
        "break_even_markup": cost / gross if gross > 0 else math.nan,
    })
    for c in crews:
        out[f"scalper_profit.{c.crew}"] = c.profit
        out[f"break_even_markup.{c.crew}"] = c.break_even_markup
        out[f"captcha_solves.{c.crew}"] = float(c.solves)
    return out
