"""error_rate: 5xx-class answers over all requests, on the hand-built run of conftest.py."""

import math

from sim.metrics.errors import error_metrics, is_error_code
from sim.metrics.view import RunView


def test_error_rate_counts_overload_and_timeouts_not_refusals(toy_tables, toy_meta):
    # 10 requests: one overloaded (503), one timeout (504); sold_out, rate_limited: answers
    assert error_metrics(RunView(toy_tables, toy_meta))["error_rate"] == 0.2


def test_unknown_codes_are_errors_and_refusals_are_not():
    assert is_error_code("network_error") and is_error_code("something_new")
    assert not is_error_code("sold_out") and not is_error_code("rate_limited")


def test_no_requests_is_undefined(toy_tables, toy_meta):
    empty = {**toy_tables, "requests": toy_tables["requests"].slice(0, 0)}
    assert math.isnan(error_metrics(RunView(empty, toy_meta))["error_rate"])
