"""``slotgrab bench service``: hold requests per second of the reference booking service.

Three servers on 127.0.0.1, each loaded by ``wrk -t2 -c64`` for ``--duration`` seconds per run:
a trivial FastAPI endpoint (the yardstick: same uvicorn/uvloop/httptools stack, no work), the
reference service on SQLite with one worker, and on PostgreSQL (a throwaway cluster from
Debian's packages) with two workers. Each hold is a real ``POST /v1/holds`` — token check,
validation, the policy stack (FCFS), the SQL ledger's conditional update, the audit row, a
durable commit (on PostgreSQL one server-side function call, the holds in flight on a worker
sharing one call and one commit: ``targets/reference/direct.py``, ``direct_batch.py``)
— on a random one of 100 sessions, reloaded before every run so it never sells out; after each
run its booking history is replayed by the simulator's invariant checker
(``invariant_violations``: overbooked, double-booked … must be 0).
Runs alternate between the servers so that noise hits all of them; medians are reported with
p99 latency and the ratio to the yardstick. Goals: ≥ 3,000 holds/s on one SQLite worker,
≥ 50 % of the trivial endpoint's rate on SQLite (1 worker) and on PostgreSQL (2 workers, durable
commits), no invariant violation. Traffic stays on 127.0.0.1, bounded by ``--duration``.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import typer
from rich.console import Console
from rich.progress import Progress

from sim.bench.measure import machine, spread, write_json
from sim.cli.errors import UsageError, user_errors
from sim.domain.invariants import find_violations
from targets.reference.pg_cluster import find_pg_bin, temporary_cluster
from targets.reference.server import free_port, make_settings, start_server

__all__ = ["GOAL_HOLDS_PER_S", "GOAL_RATIO", "bench_service", "parse_wrk", "register"]

GOAL_HOLDS_PER_S = 3_000
GOAL_RATIO = 0.5
SESSIONS = 100
CAPACITY = 1000  # per session: more than a run holds, so none sells out
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}

ACCOUNTS = 256  # holds come from many accounts, as at a real release (PostgreSQL locks per account)
_HOLD_LUA = """
local tokens = {%(tokens)s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)]
  return wrk.format(nil, "/v1/holds", nil, '{"session":"b' .. math.random(0, %(last)d) .. '"}')
end
"""


def parse_wrk(text: str) -> dict[str, float]:
    """Requests/s, p50/p99 latency (ms), request and non-2xx counts from ``wrk --latency``."""
    def latency(pct: str) -> float:
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", text)
    if rps is None or total is None:
        raise RuntimeError(f"cannot read wrk's output:\n{text[-500:]}")
    return {"rps": float(rps.group(1)), "p50_ms": latency("50"), "p99_ms": latency("99"),
            "requests": float(total.group(1)), "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
            "timeouts": float(errors.group(1)) if errors else 0.0}


def _wrk(url: str, duration_s: float, connections: int, script: Path | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration_s:g}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True, timeout=duration_s + 30)
    return parse_wrk(out.stdout)


def _scenario() -> dict[str, Any]:
    sessions = [{"id": f"b{i}", "capacity": CAPACITY} for i in range(SESSIONS)]
    return {"name": "bench-holds", "supply": {"departments": [{"id": "bench", "sessions": sessions}]},
            "patients": [{"segment": "p", "count": 1, "arrival_s": 0}], "policies": ["fcfs"]}


class _Target:
    """A started server and how to load it."""

    def __init__(self, name: str, server: Any, booking: bool, tmp: Path) -> None:
        self.name, self.server, self.booking = name, server, booking
        self.script: Path | None = None
        if booking:
            tokens = ", ".join(f'"{t}"' for t in self._prepare())
            self.script = tmp / f"{name}.lua"
            self.script.write_text(_HOLD_LUA % {"tokens": tokens, "last": SESSIONS - 1}, encoding="utf-8")

    def _prepare(self) -> list[str]:
        admin = self.server.admin_headers()
        r = httpx.post(f"{self.server.url}/v1/admin/load", json={"scenario": _scenario(), "t0_in_s": -1},
                       headers=admin, timeout=60)
        r.raise_for_status()
        r = httpx.post(f"{self.server.url}/v1/admin/accounts",
                       json={"accounts": [{"account": a, "persons": [a]} for a in range(1, ACCOUNTS + 1)]},
                       headers=admin, timeout=60)
        r.raise_for_status()
        return [str(t) for t in r.json()["tokens"].values()]

    def run(self, duration_s: float, connections: int) -> dict[str, float]:
        if self.booking:
            self._prepare()  # fresh supply: every run holds, none sells out
            out = _wrk(f"{self.server.url}/", duration_s, connections, self.script)
            out["violations"] = float(self._violations())
            return out
        return _wrk(f"{self.server.url}/hello", duration_s, connections)

    def _violations(self) -> int:
        """Broken booking invariants (overbooked, double booked, …) in the run's history."""
        r = httpx.get(f"{self.server.url}/v1/admin/bookings", headers=self.server.admin_headers(), timeout=120)
        r.raise_for_status()
        events = pa.Table.from_pylist(r.json()["events"])
        return len(find_violations(events, {f"b{i}": CAPACITY for i in range(SESSIONS)}))


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    return {"requests_per_s": spread([s["rps"] for s in samples]),
            "p50_ms": spread([s["p50_ms"] for s in samples]),
            "p99_ms": spread([s["p99_ms"] for s in samples]),
            "non_2xx": sum(s["non_2xx"] for s in samples), "timeouts": sum(s["timeouts"] for s in samples),
            "invariant_violations": sum(s.get("violations", 0.0) for s in samples),
            "requests": sum(s["requests"] for s in samples)}


def bench_service(runs: int, duration_s: float, connections: int, postgres: bool,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Start the servers, alternate timed runs, return the JSON-able result."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk; .ci/system-packages.sh)")
    notes: list[str] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="slotgrab-bench-") as tmp_s:
        tmp = Path(tmp_s)
        targets: list[_Target] = []

        def started(name: str, target: str, booking: bool, **kw: Any) -> None:
            server = start_server(make_settings(**kw), target=target)
            stack.callback(server.stop)
            targets.append(_Target(name, server, booking, tmp))

        started("trivial", "trivial", False)
        started("sqlite_1_worker", "reference", True, db=f"sqlite:///{tmp}/bench.db")
        if postgres and find_pg_bin() is not None:
            url = stack.enter_context(temporary_cluster(free_port()))
            started("postgresql_2_workers", "reference", True, db=url, workers=2)
        elif postgres:
            notes.append("PostgreSQL not installed: postgresql_2_workers skipped")
        for t in targets:  # warm-up: imports, prepared statements, page cache
            t.run(1.0, connections)
        samples: dict[str, list[dict[str, float]]] = {t.name: [] for t in targets}
        task = progress.add_task("bench service", total=runs * len(targets)) if progress else None
        for _ in range(runs):
            for t in targets:
                samples[t.name].append(t.run(duration_s, connections))
                if progress is not None and task is not None:
                    progress.advance(task)
    result: dict[str, Any] = {"benchmark": "service", "machine": machine(),
                              "load": {"tool": "wrk -t2 --latency", "connections": connections,
                                       "duration_s": duration_s, "runs": runs},
                              "notes": notes}
    for name, s in samples.items():
        result[name] = _summary(s)
    trivial = [s["rps"] for s in samples["trivial"]]
    sqlite = [s["rps"] for s in samples["sqlite_1_worker"]]
    ratio = statistics.median(b / a for a, b in zip(trivial, sqlite, strict=True))
    result["sqlite_vs_trivial"] = ratio
    result["goals"] = {
        f"sqlite_1_worker >= {GOAL_HOLDS_PER_S} holds/s": statistics.median(sqlite) >= GOAL_HOLDS_PER_S,
        f"sqlite_1_worker >= {GOAL_RATIO:.0%} of trivial": ratio >= GOAL_RATIO,
    }
    if "postgresql_2_workers" in samples:
        pg = [s["rps"] for s in samples["postgresql_2_workers"]]
        pg_ratio = statistics.median(b / a for a, b in zip(trivial, pg, strict=True))
        result["postgresql_vs_trivial"] = pg_ratio
        result["goals"][f"postgresql_2_workers >= {GOAL_RATIO:.0%} of trivial"] = pg_ratio >= GOAL_RATIO
    result["goals"]["no invariant violations"] = all(
        result[name]["invariant_violations"] == 0 for name in samples if name != "trivial")
    return result


def register(bench_app: typer.Typer) -> None:
    """Add ``bench service`` to the ``bench`` sub-app."""

    @bench_app.command("service")
    def service_cmd(
        runs: int = typer.Option(5, "--runs", min=1, max=50, help="Timed runs per server (medians)."),
        duration: float = typer.Option(5.0, "--duration", min=1.0, max=60.0, help="Seconds per run."),
        connections: int = typer.Option(64, "--connections", min=1, max=512),
        postgres: bool = typer.Option(True, "--postgres/--no-postgres", help="Also PostgreSQL, 2 workers."),
        out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    ) -> None:
        """Holds/s of the reference service (SQLite 1 worker, PostgreSQL 2) vs a trivial endpoint; JSON."""
        with user_errors():
            try:
                with Progress(console=Console(stderr=True), transient=True) as progress:
                    result = bench_service(runs, duration, connections, postgres, progress)
            except RuntimeError as exc:
                raise UsageError(str(exc)) from None
            typer.echo(write_json(result, out))
