import math

from sim.metrics import RunView
from sim.metrics.slots import (
    bot_share,
    expired_holds,
    patient_success,
    success_by_segment,
    unused_slots,
)


def test_bot_share_counts_final_confirmed_slots_by_person(toy_tables):
    assert bot_share(RunView(toy_tables)) == 0.5


def test_patient_success_needs_a_confirmed_booking_at_the_end(toy_tables):
    run = RunView(toy_tables)
    assert patient_success(run) == 0.25  # person 2 confirmed then cancelled: not a success
    assert success_by_segment(run) == {"a": 0.5, "b": 0.0}


def test_unused_and_expired(toy_tables):
    run = RunView(toy_tables)
    assert unused_slots(run) == 1.0
    assert expired_holds(run) == 1.0


def test_bot_share_is_undefined_without_bookings(toy_tables):
    bookings = toy_tables["bookings"]
    toy_tables["bookings"] = bookings.slice(0, 1)  # the release only
    run = RunView(toy_tables)
    assert math.isnan(bot_share(run))
    assert patient_success(run) == 0.0
    assert unused_slots(run) == 3.0


def test_released_slots_fall_back_to_capacities(toy_tables, toy_meta):
    toy_tables["bookings"] = toy_tables["bookings"].slice(1)  # an export without release events
    assert unused_slots(RunView(toy_tables, toy_meta)) == 1.0
