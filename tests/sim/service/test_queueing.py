"""The modelled service's queue, checked against M/M/c theory and against Ciw.

Poisson arrivals (N uniform arrival instants on [0, T] are a Poisson process given its count)
and exponential service run through the real driver path — the SimPy driver, the booking
service behind the policy stack, :class:`ServerQueue`, the records — with a one-call agent
patched in for the patient script. Mean wait in queue and utilisation must match Erlang C
within the 99 % confidence interval across replications, and match Ciw's on the same queue.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import pytest
from scipy import stats

from sim.agents.actions import Call, Outcome, Response, Wait
from sim.drivers.simpy_driver import run_simulation
from sim.scenario.loader import parse_scenario
from sim.service.queueing import ServerQueue

WORKERS = 4
MEAN_SERVICE_S = 0.1
RHO = 0.8
RATE = RHO * WORKERS / MEAN_SERVICE_S  # arrivals per second
T = 300.0  # seconds of arrivals per replication
WARMUP = 30.0  # arrivals before this are dropped (the queue starts empty)
REPS = 8


def erlang_c(c: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``offered`` = λ/μ."""
    top = offered**c / math.factorial(c) * c / (c - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(c)) + top)


def mmc_wait(c: int, rate: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    mu = 1 / mean_service
    return erlang_c(c, rate / mu) / (c * mu - rate)


def test_erlang_c_against_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert mmc_wait(1, 0.5, 1.0) == pytest.approx(1.0)  # ρ/(μ-λ)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # textbook value


def _one_call(spec, rng) -> Generator[Call | Wait, Response | None, Outcome]:
    """An agent that makes exactly one request and leaves."""
    r = yield Call("list_sessions", {"department": spec.department})
    assert r is not None
    return Outcome("done")


def _driver_samples(monkeypatch) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean wait in queue and utilisation, through the SimPy driver."""
    monkeypatch.setattr("sim.drivers.simpy_driver.script_for", lambda role: _one_call)
    count = int(RATE * T)
    sc = parse_scenario({
        "name": "mmc", "seed": 2024, "horizon": {"before_s": 1, "after_s": T + 600},
        "supply": {"departments": [{"id": "d", "sessions": [{"id": "s1", "capacity": 1}]}]},
        "patients": [{"segment": "p", "count": count, "rtt_ms": 0.0,
                      "arrival_s": {"dist": "uniform", "low": 0, "high": T}}],
        "service": {"workers": WORKERS, "backlog": 100_000, "timeout_s": 1e6,
                    "service_ms": {"list_sessions": {"dist": "exponential",
                                                     "mean": MEAN_SERVICE_S * 1000}}},
    }, "mmc.yaml")
    waits, utils = [], []
    for rep in range(REPS):
        req = run_simulation(sc, rep).requests.to_pydict()
        arrive, start, done = (np.array(req[k]) for k in ("t_arrive", "t_start", "t_done"))
        assert len(arrive) == count and not np.isnan(start).any()
        keep = arrive >= WARMUP
        waits.append(float((start - arrive)[keep].mean()))
        utils.append(float((done - start)[keep].sum() / (WORKERS * (T - WARMUP))))
    return np.array(waits), np.array(utils)


def _ciw_samples() -> tuple[np.ndarray, np.ndarray]:
    """The same queue in Ciw (its own code, its own random numbers)."""
    ciw = pytest.importorskip("ciw")
    waits, utils = [], []
    for rep in range(REPS):
        ciw.seed(1000 + rep)  # Ciw seeds the global RNGs; test-only code, not the model
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
            service_distributions=[ciw.dists.Exponential(rate=1 / MEAN_SERVICE_S)],
            number_of_servers=[WORKERS])
        sim = ciw.Simulation(net)
        sim.simulate_until_max_time(T)
        recs = [r for r in sim.get_all_records() if r.arrival_date >= WARMUP]
        waits.append(float(np.mean([r.waiting_time for r in recs])))
        utils.append(sum(r.service_time for r in recs) / (WORKERS * (T - WARMUP)))
    return np.array(waits), np.array(utils)


def _ci(x: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


@pytest.mark.slow
def test_modelled_service_matches_erlang_c_and_ciw(monkeypatch):
    waits, utils = _driver_samples(monkeypatch)
    theory_wait = mmc_wait(WORKERS, RATE, MEAN_SERVICE_S)
    lo, hi = _ci(waits)
    assert lo <= theory_wait <= hi, f"wait CI [{lo:.4f}, {hi:.4f}] vs Erlang C {theory_wait:.4f}"
    lo, hi = _ci(utils)
    assert lo <= RHO <= hi, f"utilisation CI [{lo:.4f}, {hi:.4f}] vs ρ = {RHO}"
    ciw_waits, ciw_utils = _ciw_samples()
    for what, ours, theirs in (("wait", waits, ciw_waits), ("utilisation", utils, ciw_utils)):
        lo, hi = _ci(theirs)
        assert lo <= ours.mean() <= hi, f"{what}: {ours.mean():.4f}, Ciw CI [{lo:.4f}, {hi:.4f}]"
        assert stats.ttest_ind(ours, theirs, equal_var=False).pvalue > 0.01, what


def test_fcfs_start_times_and_bounded_backlog():
    q = ServerQueue(workers=2, backlog=1)
    assert q.admit(0.0, 1.0) == 0.0
    assert q.admit(0.0, 1.0) == 0.0
    assert q.admit(0.5, 1.0) == 1.0  # waits for the first free worker
    assert q.admit(0.6, 1.0) is None  # one already waiting: the backlog is full → 503
    assert q.admit(1.0, 1.0) == 1.0  # the waiting one started at 1.0: room again
    assert (q.served, q.rejected) == (4, 1)
    assert q.busy_s == pytest.approx(4.0)
