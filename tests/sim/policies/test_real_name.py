"""Real-name rules: a crew's slots are capped by the persons it holds; families hit the cap."""

from __future__ import annotations

from policy_kit import SEEDS, mean, patient_bookings, policy_context, runs, scenario, with_policies

from sim.domain.ledger import Ledger
from sim.metrics.view import RunView
from sim.policies.base import Request
from sim.policies.real_name import RealName, RealNameParams


def _bot_slots(v: RunView) -> int:
    return int(v.is_bot_person(v.final_bookings.person).sum())


def test_one_booking_per_person_caps_a_crew_with_few_person_ids() -> None:
    few_ids = scenario(
        overrides={"bots.0.persons": 5, "bots.0.accounts": 5, "horizon.after_s": 120}
    )
    fcfs = runs(few_ids, SEEDS[:4])
    ruled = runs(with_policies(few_ids, "real_name"), SEEDS[:4])
    assert mean(_bot_slots(v) for v in fcfs) > 5  # several slots per stolen ID
    assert max(_bot_slots(v) for v in ruled) <= 5  # effect: at most one each
    assert mean(patient_bookings(v) for v in ruled) > mean(patient_bookings(v) for v in fcfs)
    for v in ruled:  # no person holds two bookings of the department's day
        persons = v.final_bookings.person
        assert len(set(persons.tolist())) == len(persons)


def _rules(**params: int) -> tuple[RealName, Ledger]:
    ledger = Ledger()
    ledger.add_session("s1", "derm", "2026-11-30", 10, [(0.0, 10)])
    ledger.add_session("s2", "derm", "2026-11-30", 10, [(0.0, 10)])
    ledger.add_session("s3", "derm", "2026-12-01", 10, [(0.0, 10)])
    ctx = policy_context(
        ledger,
        departments={"s1": "derm", "s2": "derm", "s3": "derm"},
        dates={"s1": "2026-11-30", "s2": "2026-11-30", "s3": "2026-12-01"},
    )
    return RealName(RealNameParams(**params), ctx), ledger


def test_same_department_same_day_is_refused_other_days_are_not() -> None:
    rules, ledger = _rules()
    assert rules.before(Request("hold", 1, 10, 1, {"session": "s1"}), 1.0) is None
    ledger.hold("s1", 10, 1, 1.0, 900.0)
    refused = rules.before(Request("hold", 1, 10, 1, {"session": "s2"}), 2.0)
    assert refused is not None and refused.code == "rule_violation"
    assert rules.before(Request("hold", 1, 10, 1, {"session": "s3"}), 2.0) is None  # next day


def test_family_members_beyond_the_cap_are_refused() -> None:
    """The cost: a family larger than the cap cannot book for everyone from one phone."""
    rules, _ = _rules(max_persons_per_account=3)
    for person in (11, 12, 13):
        assert rules.before(Request("hold", 1, person, 1, {"session": "s1"}), 1.0) is None
    fourth = rules.before(Request("hold", 1, 14, 1, {"session": "s1"}), 1.0)
    assert fourth is not None and fourth.code == "rule_violation"
    assert rules.before(Request("hold", 1, 12, 1, {"session": "s3"}), 1.0) is None  # a known one
