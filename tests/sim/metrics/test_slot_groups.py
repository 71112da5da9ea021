"""Slots by group and success among patients who tried, worked out by hand on the toy run
(conftest: 3 released; the bot's slot, patient person 1's slot (segment a), one unused; every
patient sent a request, patient 3 only a blocked list_sessions)."""

import pytest

from sim.metrics import RunView
from sim.metrics.slot_groups import slot_group_metrics


def test_slot_groups_by_hand(toy_tables):
    m = slot_group_metrics(RunView(toy_tables))
    assert (m["slots.bots"], m["slots.resale"], m["slots.unused"]) == (1.0, 0.0, 1.0)
    assert (m["slots.patients.a"], m["slots.patients.b"]) == (1.0, 0.0)
    assert (m["patients.a"], m["patients.b"], m["patients_tried"]) == (2.0, 2.0, 4.0)
    assert m["success_among_tried"] == 0.25
    assert (m["success_among_tried.a"], m["success_among_tried.b"]) == (0.5, 0.0)


def test_groups_add_up_to_the_released_slots(toy_tables):
    m = slot_group_metrics(RunView(toy_tables))
    parts = m["slots.bots"] + m["slots.resale"] + m["slots.unused"]
    parts += sum(v for k, v in m.items() if k.startswith("slots.patients."))
    assert parts == pytest.approx(3.0)


def test_a_patient_who_never_sent_a_request_did_not_try(toy_tables):
    import pyarrow.compute as pc

    req = toy_tables["requests"]
    toy_tables["requests"] = req.filter(pc.not_equal(req.column("agent"), 3))
    m = slot_group_metrics(RunView(toy_tables))
    assert m["patients_tried.b"] == 1.0 and m["patients.b"] == 2.0
    assert m["success_among_tried"] == pytest.approx(1 / 3)
