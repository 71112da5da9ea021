import pytest

from sim.metrics import RunView
from sim.metrics.service import peak_rps, service_metrics


def test_service_metrics_known_values(toy_tables):
    m = service_metrics(RunView(toy_tables))
    assert m["requests"] == 10
    assert m["requests.ok"] == 4 and m["requests.rate_limited"] == 2
    assert m["overloaded_rate"] == 0.1 and m["timeout_rate"] == 0.1
    assert m["amplification"] == 5.0  # 10 requests, 2 bookings confirmed at the end
    assert m["latency_p50_ms"] == pytest.approx(100.0)
    assert m["latency_max_ms"] == pytest.approx(10_000.0)
    assert "generator_lag_p99_ms" not in m  # planned == sent: not a load run


def test_peak_rps_uses_one_second_bins(toy_tables):
    assert peak_rps(RunView(toy_tables)) == 6.0


def test_load_runs_report_generator_lag_and_corrected_latency(toy_tables_with_lag):
    m = service_metrics(RunView(toy_tables_with_lag(planned_lag=0.5)))
    assert m["generator_lag_p50_ms"] == pytest.approx(500.0)
    assert m["latency_corrected_p50_ms"] == pytest.approx(m["latency_p50_ms"] + 500.0)


def test_utilisation_from_meta(toy_tables):
    m = service_metrics(RunView(toy_tables, {"busy_s": 8.0, "workers": 4, "window_s": 10.0}))
    assert m["utilisation"] == pytest.approx(0.2)
