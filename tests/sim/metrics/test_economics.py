"""Scalper economics add up: revenue = sales × price, break-even markup makes profit 0."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from sim.metrics.economics import CrewEconomics, crew_economics, crew_terms
from sim.metrics.view import RunView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agents"))
from crew_kit import crew, run

COSTS = {"bots.0.tactics": ["snipe", "hold_and_transfer"], "patients.0.resale_willing": 0.8,
         "bots.0.proxy_cost_per_ip": 2.0, "bots.0.id_cost_per_person": 10.0,
         "bots.0.device_cost": 300.0}


def test_break_even_markup_makes_profit_zero() -> None:
    c = CrewEconomics("x", face_price=50, markup=20, sales=4, own_bookings=1, solves=2000,
                      fixed_cost=1000.0, solve_cost=12.0)
    assert c.revenue == 4 * 50 * 20
    assert c.cost == 50 * 5 + 1000 + 12
    assert c.profit_at(c.break_even_markup) == pytest.approx(0.0, abs=1e-9)
    assert c.profit_at(c.break_even_markup + 1) > 0 > c.profit_at(c.break_even_markup - 1)
    assert math.isnan(CrewEconomics("y", 50, 20, 0, 3, 0, 10.0, 0.0).break_even_markup)


def test_economics_of_a_run_add_up() -> None:
    sc = crew(COSTS)
    summary, records = run(sc, 0)
    (c,) = crew_economics(RunView(records.tables()), crew_terms(sc.bots))
    bot = sc.bots[0]
    assert c.sales == summary["resale_sales"] > 0
    assert summary["scalper_revenue"] == c.sales * bot.face_price * bot.markup
    fixed = bot.ips * 2.0 + bot.persons * 10.0 + bot.devices * 300.0
    slots = bot.face_price * (c.sales + c.own_bookings)
    assert summary["scalper_cost"] == pytest.approx(slots + fixed)
    profit = summary["scalper_revenue"] - summary["scalper_cost"]
    assert summary["scalper_profit"] == pytest.approx(profit)
    assert c.profit_at(summary["break_even_markup"]) == pytest.approx(0.0, abs=1e-6)


def test_a_crew_that_does_not_resell_has_pre_sold_its_bookings() -> None:
    sc = crew({"bots.0.device_cost": 100.0})
    summary, records = run(sc, 0)
    (c,) = crew_economics(RunView(records.tables()), crew_terms(sc.bots))
    booked = round(summary["bot_share"] * summary["slots_confirmed"])
    assert c.sales == booked > 0 and c.own_bookings == 0
    assert summary["scalper_revenue"] == booked * 50 * 4
    assert summary["scalper_profit"] == booked * 50 * (4 - 1) - 100.0


def test_solves_are_counted_and_priced() -> None:
    sc = crew({**COSTS, "policies": ["captcha"], "bots.0.captcha": {"price_per_1000": 1000.0}})
    summary, records = run(sc, 0)
    (c,) = crew_economics(RunView(records.tables()), crew_terms(sc.bots))
    asked = sum(1 for code in records.requests.column("code").to_pylist()
                if code in ("captcha_required", "captcha_failed"))
    assert 0 < c.solves <= asked  # patients get challenges too
    assert c.solve_cost == pytest.approx(c.solves * 1.0)
    assert summary["captcha_solves.plugin"] == c.solves


def test_without_crew_terms_only_the_shares_are_reported() -> None:
    sc = crew(COSTS)
    _, records = run(sc, 0)
    from sim.metrics.economics import economics_metrics

    out = economics_metrics(RunView(records.tables()))
    assert set(out) == {"resale_sales", "bot_share_resale", "bot_share_total"}
