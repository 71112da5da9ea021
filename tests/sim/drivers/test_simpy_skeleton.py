"""The skeleton ``bench sim`` sets beside the simulator does the machinery's work per request:
one row per wait, the waits folded into send times, each answer back after the round trip."""

from __future__ import annotations

import pytest

from sim.drivers.simpy_skeleton import _RTT_S, skeleton_rates, skeleton_run


def test_every_wait_is_followed_by_one_request_sent_when_the_waits_say():
    waits = [[0.5, 1.0, 0.25], [2.0], []]
    log = skeleton_run(waits)
    assert len(log) == 4
    rows = sorted(zip(log.column("agent"), log.column("t_sent"), log.column("t_arrive"),
                      log.column("t_done"), strict=True))
    # agent 0: each send follows the previous answer (one round trip) plus the next wait
    expected0 = [0.5, 0.5 + _RTT_S + 1.0, 0.5 + _RTT_S + 1.0 + _RTT_S + 0.25]
    assert [r[1] for r in rows if r[0] == 0] == pytest.approx(expected0)
    assert [r[1] for r in rows if r[0] == 1] == pytest.approx([2.0])
    for _, sent, arrive, done in rows:
        assert arrive == pytest.approx(sent + _RTT_S / 2)
        assert done == pytest.approx(arrive + _RTT_S / 2)
    assert set(log.column("code")) == {"ok"} and set(log.column("op")) == {"list_sessions"}


def test_rates_count_the_requests_made():
    wall, cpu = skeleton_rates(agents=50, requests_per_agent=4)
    assert wall > 0 and cpu > 0
