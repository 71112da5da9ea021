import math

from sim.metrics import RunView
from sim.metrics.timing import attempts_per_success, time_to_book, timing_metrics


def test_time_to_book_runs_from_arrival_to_confirmation(toy_tables):
    assert time_to_book(RunView(toy_tables)).tolist() == [25.0]


def test_attempts_per_success_counts_all_patient_holds(toy_tables):
    assert attempts_per_success(RunView(toy_tables)) == 5.0


def test_no_success_gives_undefined_timing(toy_tables):
    toy_tables["bookings"] = toy_tables["bookings"].slice(0, 1)
    m = timing_metrics(RunView(toy_tables))
    assert all(math.isnan(v) for v in m.values())
