"""The resale market: matching, and hold-and-transfer moving slots from bot persons to buyers."""

from __future__ import annotations

from crew_kit import SEEDS, bot_persons, crew, run, total

from sim.agents.resale import Market, Want, market_for

SELLING = {"bots.0.tactics": ["snipe", "hold_and_transfer"], "patients.0.resale_willing": 0.8}


def _want(agent: int, wtp: float, t: float = 0.0, until: float = 100.0) -> Want:
    return Want(agent, person=1000 + agent, wtp=wtp, t=t, until=until)


def test_a_buyer_is_matched_with_the_cheapest_offer_they_can_afford() -> None:
    m = Market(min_price=100)
    m.offer(lane=1, crew="a", price=300, now=0)
    m.offer(lane=2, crew="b", price=100, now=0)
    m.want(_want(7, wtp=150))
    deal = m.next_deal(2)
    assert deal is not None and deal.want.agent == 7 and deal.price == 100
    assert m.next_deal(1) is None and m.stock == {1: 1, 2: 0}


def test_buyers_wait_in_order_and_leave_when_their_patience_ends() -> None:
    m = Market(min_price=100)
    m.want(_want(1, wtp=500, until=10))
    m.want(_want(2, wtp=500, until=50))
    m.want(_want(3, wtp=50))  # can never afford any crew: dropped at once
    m.offer(lane=9, crew="a", price=200, now=20)  # buyer 1 gave up at t=10
    deal = m.next_deal(9)
    assert deal is not None and deal.want.agent == 2
    assert len(m.wants) == 0


def test_a_failed_delivery_puts_the_buyer_back_first() -> None:
    m = Market(min_price=100)
    m.offer(lane=1, crew="a", price=100, now=0)
    m.want(_want(1, wtp=500))
    m.want(_want(2, wtp=500))
    deal = m.next_deal(1)
    assert deal is not None
    m.settle(deal, delivered=False, now=5)
    m.offer(lane=1, crew="a", price=100, now=6)
    again = m.next_deal(1)
    assert again is not None and again.want.agent == 1 and deal.delivered is False


def test_no_market_without_sellers_or_buyers() -> None:
    sc = crew()
    assert market_for(sc.bots, sc.patients) is None
    assert market_for(crew(SELLING).bots, sc.patients) is None
    assert market_for(crew(SELLING).bots, crew(SELLING).patients) is not None


def test_transfer_moves_slots_from_bot_persons_to_buyers_visibly() -> None:
    sc = crew(SELLING)
    for rep in SEEDS[:3]:
        summary, records = run(sc, rep)
        assert summary["resale_sales"] >= 1
        assert summary["bot_share"] == 0.0  # every placeholder was sold on
        assert summary["bot_share_total"] == summary["bot_share_resale"] > 0
        b = records.bookings.to_pydict()
        pool = bot_persons(records)
        crew_accounts = {a for e, p, a in zip(b["event"], b["person"], b["account"], strict=True)
                         if e == "hold" and p in pool}
        rebooked = [(t, p) for t, e, p, a in zip(b["t"], b["event"], b["person"], b["account"],
                                                  strict=True)
                    if e == "confirm" and a in crew_accounts and p not in pool]
        assert len(rebooked) == summary["resale_sales"]
        cancels = [t for t, e, p in zip(b["t"], b["event"], b["person"], strict=True)
                   if e == "cancel" and p in pool]
        assert len(cancels) >= len(rebooked)  # each sale cancelled a placeholder first


def test_quarantined_re_release_defeats_the_transfer() -> None:
    quarantine = crew({**SELLING, "policies": [{"returned_slots": {"mode": "quarantine"}}]})
    assert total(crew(SELLING), "resale_sales") > 0
    assert total(quarantine, "resale_sales") == 0


def test_buyers_that_cannot_afford_the_markup_do_not_buy() -> None:
    dear = crew({**SELLING, "bots.0.markup": 1000})  # ¥50,000 a slot
    assert total(dear, "resale_sales", range(2)) == 0
