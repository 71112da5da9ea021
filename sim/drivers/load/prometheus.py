"""Prometheus text exposition of a running load run (``slotgrab load --prometheus PORT``).

``GET /metrics`` on 127.0.0.1 answers the live totals of :class:`LiveStats` in the text
format (version 0.0.4) while the run lasts, so a Prometheus or Grafana already watching the
target can scrape the generator beside it. Rates and percentiles are over the last
:data:`~sim.drivers.load.live_stats.WINDOW_S` seconds.
"""

from __future__ import annotations

import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sim.drivers.load.live_stats import LiveStats

__all__ = ["CONTENT_TYPE", "PrometheusServer", "exposition"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_GAUGES = (
    ("requests_per_second", "rps", "Requests answered per second, last seconds."),
    ("latency_p50_ms", "latency_p50_ms", "Median latency (ms), last seconds."),
    ("latency_p99_ms", "latency_p99_ms", "99th percentile latency (ms), last seconds."),
    ("generator_lag_p99_ms", "lag_p99_ms", "99th percentile of sent - planned (ms), last seconds."),
    ("slots_left", "slots_left", "Slots not confirmed yet."),
    ("bot_share", "bot_share", "Share of the confirmed slots that bots hold."),
    ("agents_finished", "finished", "Agents that reached their outcome."),
    ("seconds_since_t0", "t", "Seconds since the release instant T0 (negative before it)."),
)


def _number(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NaN"
    return f"{float(v):.6g}"


def exposition(snapshot: dict[str, Any]) -> str:
    """The snapshot in Prometheus text format (metric names prefixed ``slotgrab_``)."""
    lines = [
        "# HELP slotgrab_requests_total Requests answered so far.",
        "# TYPE slotgrab_requests_total counter",
        f"slotgrab_requests_total {snapshot['requests']}",
        "# HELP slotgrab_responses_total Answers so far by stable code.",
        "# TYPE slotgrab_responses_total counter",
    ]
    for code, n in sorted(snapshot["codes"].items()):
        lines.append(f'slotgrab_responses_total{{code="{code}"}} {n}')
    for name, key, text in _GAUGES:
        lines += [
            f"# HELP slotgrab_{name} {text}",
            f"# TYPE slotgrab_{name} gauge",
            f"slotgrab_{name} {_number(snapshot[key])}",
        ]
    return "\n".join(lines) + "\n"


class PrometheusServer:
    """Serves :func:`exposition` of ``stats`` on 127.0.0.1:``port`` in a background thread."""

    def __init__(self, stats: LiveStats, port: int) -> None:
        handler = _handler_for(stats)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/metrics"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PrometheusServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_for(stats: LiveStats) -> type[BaseHTTPRequestHandler]:
    class _Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404, "only /metrics")
                return
            body = exposition(stats.snapshot()).encode()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:  # keep the run's output clean
            return

    return _Metrics
