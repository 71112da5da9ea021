"""The plan: shards partition the simulator's population, and travel to workers intact."""

from __future__ import annotations

import json

from sim.drivers.load.plan import LoadPlan, accounts_of, shard_of, window
from sim.scenario.model import Scenario

SCENARIO = {
    "name": "plan-test",
    "seed": 5,
    "horizon": {"before_s": 30, "after_s": 60},
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [
        {"segment": "m", "count": 101, "arrival_s": {"dist": "normal", "mean": 0, "sd": 20}}
    ],
    "bots": [
        {
            "crew": "c",
            "devices": 2,
            "rate_per_s": 10,
            "lanes": 3,
            "accounts": 4,
            "ips": 2,
            "persons": 9,
        }
    ],
}


def plan() -> LoadPlan:
    return LoadPlan(
        Scenario.model_validate(SCENARIO), 1, "http://127.0.0.1:1", None, {"tokens": {"1": "t"}}
    )


def test_shards_partition_the_population_evenly_and_keep_the_agents() -> None:
    p = plan()
    agents = p.population().agents
    shards = [shard_of(agents, p.streams(), 3, i) for i in range(3)]
    ids = sorted(a.agent for s in shards for a in s)
    assert ids == sorted(a.agent for a in agents)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    by_id = {a.agent: a for a in agents}
    assert all(a == by_id[a.agent] for s in shards for a in s)  # same identities, traits, arrival
    # agents are dealt in order of arrival: every shard covers the whole range, not a slice
    ordered = sorted(a.arrival for a in agents)
    for i, s in enumerate(shards):
        assert sorted(a.arrival for a in s) == ordered[i::3]


def test_plan_survives_the_message_to_a_worker() -> None:
    p = plan()
    q = LoadPlan.from_message(json.loads(json.dumps(p.to_message())))
    assert q == p
    assert [a.arrival for a in q.population().agents] == [a.arrival for a in p.population().agents]


def test_window_starts_at_the_earliest_arrival_but_not_before_the_horizon() -> None:
    p = plan()
    agents = p.population().agents
    first, end = window(p.scenario, agents)
    assert first == max(min(a.arrival for a in agents), -30.0)
    assert end == 60.0


def test_accounts_list_every_person_of_the_plan() -> None:
    pop = plan().population()
    accounts = accounts_of(pop)
    persons = sorted(p for ps in accounts.values() for p in ps)
    assert persons == sorted(int(x) for x in pop.identity_log.column("person"))
    assert len(accounts) == 101 + 4
