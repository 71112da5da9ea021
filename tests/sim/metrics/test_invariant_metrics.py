from sim.metrics import RunView
from sim.metrics.invariants import capacities_of, invariant_metrics
from sim.records import EventLog


def test_clean_history_has_no_violations(toy_tables, toy_meta):
    assert invariant_metrics(RunView(toy_tables, toy_meta)) == {"invariant_violations": 0.0}


def test_overbooking_is_counted(toy_tables):
    ev = EventLog()
    ev.append(0.0, "release", "s1", -1, 0, -1, -1, 1)
    ev.append(0.1, "hold", "s1", 0, 1, 1, 1, 1)
    ev.append(0.2, "hold", "s1", 0, 2, 2, 2, 1)  # second hold of the only slot
    toy_tables["bookings"] = ev.to_arrow()
    run = RunView(toy_tables)
    assert capacities_of(run) == {"s1": 1}
    assert invariant_metrics(run)["invariant_violations"] == 2.0  # overbooked + double booked
