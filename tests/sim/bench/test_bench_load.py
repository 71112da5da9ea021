"""The load benchmark's service meter: the CPU of the process tree it started, and the share
and per-request figures taken between the load run's progress ticks."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import psutil
import pytest

from sim.bench.load import _BusyDuringPlay, _ServiceMeter


class _Clocked(_ServiceMeter):
    """A meter whose CPU seconds are given by the test."""

    def __init__(self, values: list[float]) -> None:
        super().__init__(None)
        self.values = iter(values)

    def cpu_s(self) -> float:
        return next(self.values)


def test_the_meter_counts_the_children_of_the_service_process() -> None:
    # like `slotgrab serve`: a parent that only waits, a child (uvicorn) that does the work
    child = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"])
    try:
        meter = _ServiceMeter(parent.pid)
        deadline = time.monotonic() + 20
        while meter.cpu_s() < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.3 <= meter.cpu_s() < 5
    finally:
        for p in psutil.Process(parent.pid).children(recursive=True):
            p.kill()
        parent.kill()
        parent.wait()
    assert math.isnan(_ServiceMeter(None).cpu_s())  # a target this run did not start


def test_busy_during_play_takes_the_ticks_between_first_requests_and_the_end(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = iter([10.0, 10.5])
    monkeypatch.setattr("sim.bench.load.time.perf_counter", lambda: next(clock))
    busy = _BusyDuringPlay(_Clocked([1.0, 1.3]))
    busy.tick({"agents": 10, "finished": 0, "requests": 0})  # before T0: not counted
    busy.tick({"agents": 10, "finished": 1, "requests": 100})
    busy.tick({"agents": 10, "finished": 5, "requests": 600})
    busy.tick({"agents": 10, "finished": 10, "requests": 1100})
    figures = busy.figures()
    # from the first tick with requests to the last before every agent had finished
    assert figures["service_core_share"] == pytest.approx(0.3 / 0.5)
    assert figures["service_cpu_us_per_request"] == pytest.approx(1e6 * 0.3 / 500)
