"""Each bot tactic does what it says, on a small seeded race (directions over seeds)."""

from __future__ import annotations

import pytest
from crew_kit import SEEDS, bot_persons, crew, events_of, run, total

from sim.agents.actions import Response
from sim.agents.bot import bot, captcha_answer
from sim.agents.population import AgentSpec, build_population
from sim.rng import Streams
from sim.scenario.model import BotCrew

FARM = {"solver": "farm", "latency_s": {"dist": "lognormal", "median": 14, "p95": 30},
        "accuracy": 0.9, "price_per_1000": 15}


def test_snipe_pays_at_once_and_beats_humans_at_the_release() -> None:
    sc = crew()
    for rep in SEEDS:
        summary, records = run(sc, rep)
        assert summary["bot_share"] >= 0.3  # 4 lanes fire before any human reaction lands
        pool = bot_persons(records)
        assert events_of(records, "confirm", pool) == events_of(records, "hold", pool)


def test_seat_spinning_never_pays_and_re_holds_before_expiry() -> None:
    sc = crew({"bots.0.tactics": ["snipe", "seat_spin"], "release.hold_ttl_s": 60})
    for rep in SEEDS[:3]:
        summary, records = run(sc, rep)
        pool = bot_persons(records)
        grabbed = events_of(records, "hold", pool) - events_of(records, "cancel", pool)
        assert grabbed >= 3  # slots still held at the end of the horizon
        assert events_of(records, "confirm", pool) == 0  # holds are never paid
        assert events_of(records, "expire", pool) == 0  # re-held before the TTL ran out
        assert events_of(records, "cancel", pool) >= grabbed * 5  # 600 s / 60 s TTL, each slot
        assert summary["unused_slots"] >= grabbed  # parked slots reach nobody


def test_scanning_picks_up_returned_slots_after_the_rush() -> None:
    # a 30 s TTL makes slow payers' holds lapse: the slots come back during the horizon
    plain = crew({"release.hold_ttl_s": 30})
    scanning = crew({"release.hold_ttl_s": 30, "bots.0.tactics": ["snipe", "scan"]})
    assert total(scanning, "bot_share") > total(plain, "bot_share")


def test_ml_solver_barely_slowed_by_captcha_but_a_human_farm_is() -> None:
    ml = crew({"policies": ["captcha"]})
    farm = crew({"policies": ["captcha"], "bots.0.captcha": FARM})
    assert total(ml, "bot_share") > total(farm, "bot_share")
    assert total(ml, "bot_share") >= 0.8 * len(SEEDS)  # humans pay seconds per image CAPTCHA
    summary, _ = run(ml, 0)
    assert summary["captcha_solves.plugin"] > 0


def test_rotating_ips_beats_backing_off_under_a_per_ip_rate_limit() -> None:
    # 60 slots, patients trickling in over two minutes: the crew's sustained rate decides
    slow = {"supply.departments.0.sessions.0.capacity": 60,
            "patients.0.arrival_s": {"dist": "uniform", "low": 0, "high": 120}}
    limit = {**slow, "policies": [{"rate_limit": {"key": "ip", "rate_per_s": 1, "burst": 2}}]}
    seeds = range(3)
    backoff = total(crew(limit), "bot_share", seeds)
    rotate = total(crew({**limit, "bots.0.on_rate_limit": "rotate"}), "bot_share", seeds)
    unlimited = total(crew(slow), "bot_share", seeds)
    assert backoff < rotate <= unlimited


def test_frozen_account_is_abandoned_for_another() -> None:
    sc = crew({"bots.0.tactics": ["snipe", "hold_and_transfer"], "patients.0.resale_willing": 0.8,
               "policies": ["cancel_penalty"]})
    summary, records = run(sc, 0)
    assert summary["resale_sales"] >= 1  # the rebook came from a second account
    req = records.requests.to_pydict()
    assert "frozen" in req["code"]


def test_captcha_answer_matches_the_policy_protocol() -> None:
    body = {"challenge_id": 12, "kind": "image_grid", "cost_s": 0.0}
    assert captcha_answer(body, True) == {"captcha": {"id": 12, "correct": True}}
    assert captcha_answer(body, False)["captcha"]["correct"] is False


def test_a_lane_answers_a_captcha_after_its_solver_latency() -> None:
    sc = crew({"bots.0.captcha": {"latency_s": 2.5, "accuracy": 1.0}})
    spec = next(a for a in build_population(sc, Streams(1)).agents if a.kind == "bot")
    lane = bot(spec, Streams(1).generator("agent", spec.agent))
    first = next(lane)
    wait = lane.send(Response("captcha_required", {"challenge_id": 3, "kind": "text"}, 0.1))
    again = lane.send(None)
    assert wait.seconds == pytest.approx(2.5) and wait.reason == "captcha"
    assert again.op == first.op and again.args["captcha"] == {"id": 3, "correct": True}


def test_a_crew_that_never_grabs_is_refused() -> None:
    with pytest.raises(ValueError, match="never grab"):
        BotCrew(crew="x", devices=1, rate_per_s=1, accounts=1, ips=1, persons=1,
                tactics=("seat_spin",))


def _lanes(sc_overrides: dict[str, object], rep: int = 0) -> list[AgentSpec]:
    sc = crew(sc_overrides)
    return [a for a in build_population(sc, Streams(sc.seed, rep)).agents if a.kind == "bot"]


def test_devices_draw_their_own_concurrency_and_start_within_the_declared_ranges() -> None:
    lanes = _lanes({"bots.0.devices": 6, "bots.0.lanes": 4, "bots.0.lanes_spread": 2,
                    "bots.0.start_jitter_s": {"dist": "uniform", "low": -0.5, "high": 0.5}})
    per_device = [a.lanes for a in lanes]
    assert all(2 <= n <= 6 for n in per_device) and len(set(per_device)) > 1
    starts = sorted(a.arrival for a in lanes)
    assert starts[0] >= -1.0 - 0.5 and starts[-1] <= -1.0 + 0.5 + 6 / 40
    assert len({round(s, 6) for s in starts}) == len(starts)  # no two lanes fire in phase
    assert all(a.crew_lanes == len(lanes) for a in lanes)


def test_bot_share_under_fcfs_varies_by_seed_once_timing_is_drawn() -> None:
    # the crew's hold rate (40/s) races the humans' first clicks: no lane count decides it
    shares = {round(run(crew({"bots.0.pays_after_rush": True}), rep)[0]["bot_share"], 3)
              for rep in SEEDS}
    assert len(shares) > 1


def test_a_crew_works_its_departments_in_order_when_releases_are_staggered() -> None:
    two = {"supply.departments": [
        {"id": "derm", "sessions": [{"id": "s1", "capacity": 10}]},
        {"id": "eye", "release_offset_s": 300, "sessions": [{"id": "s2", "capacity": 10}]}],
        "bots.0.departments": ["derm", "eye"], "horizon.after_s": 900}
    for rep in SEEDS[:3]:
        _, records = run(crew(two), rep)
        b = records.bookings.to_pydict()
        pool = bot_persons(records)
        held = {s for s, e, p in zip(b["session"], b["event"], b["person"], strict=True)
                if e == "confirm" and p in pool}
        assert held == {"s1", "s2"}  # it waited for the second release and grabbed there too


def test_a_banned_identity_is_dropped_not_waited_out() -> None:
    # a 90-day ban per IP: the lane moves on to its other IPs instead of sleeping for 90 days
    sc = crew({"policies": [{"blacklist": {"keys": ["ip"], "max_requests": 5}}],
               "bots.0.ips": 80})
    assert total(sc, "bot_share") > 0.3 * len(SEEDS)


def test_drawn_timing_is_reproducible_for_a_seed() -> None:
    sc = crew({"bots.0.lanes_spread": 2, "bots.0.pays_after_rush": True,
               "bots.0.captcha.accuracy_sd": 0.05, "policies": ["captcha"]})
    first, again, other = run(sc, 1)[1], run(sc, 1)[1], run(sc, 2)[1]
    for table in ("requests", "bookings", "outcomes", "agents"):
        assert getattr(first, table).equals(getattr(again, table))
    assert not first.requests.equals(other.requests)
