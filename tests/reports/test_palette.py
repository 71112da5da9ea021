"""One colour per policy, the same in every figure and every report."""

from __future__ import annotations

from reports.palette import FCFS_GREY, PolicyColours


def test_fixed_colours_and_distinct_within_a_report() -> None:
    labels = ["fcfs", "lottery", "captcha", "rate_limit(key=ip)", "real_name+captcha", "x1", "x2", "x3"]
    colours = PolicyColours(labels)
    assert colours["fcfs"] == FCFS_GREY
    assert len({colours[p] for p in labels}) == len(labels)


def test_stable_across_reports_and_orders() -> None:
    a = PolicyColours(["fcfs", "lottery", "my_policy"])
    b = PolicyColours(["my_policy", "waiting_room", "lottery", "fcfs"])
    assert a["lottery"] == b["lottery"]
    assert a["my_policy"] == b["my_policy"]  # from the label's checksum, not from its position
    assert a["rate_limit(key=ip)"] == PolicyColours()["rate_limit(key=account)"]  # same policy family
