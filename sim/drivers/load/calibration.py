"""Calibrating the simulator's service model on a real target, at low load.

One client sends sequential requests (never more than one in flight, so nothing queues): for
each sample a fresh account lists the sessions, holds a slot, confirms it and cancels it. The
per-operation times (loopback: the server's own time per request, HTTP stack included) are
fitted as log-normal distributions (median, p95, floor = the fastest seen) and written as the
scenario's ``service:`` block, so ``slotgrab simulate`` predicts that target. The number of
server workers is read from ``/v1/health`` when the target reports it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np
import yaml

from sim.domain.contract import OPS
from sim.drivers.adapter import TargetAdapter, answer_with_context, prepare_with_scenario
from sim.scenario.model import Scenario

__all__ = ["CALIBRATION_SCENARIO", "Calibration", "calibrate", "fit_lognormal"]


CALIBRATION_SCENARIO: dict[str, Any] = {
    "name": "calibration",
    "description": "One open session of 30 slots; used by slotgrab calibrate.",
    "horizon": {"before_s": 1, "after_s": 3600},
    "supply": {"departments": [{"id": "calib", "sessions": [{"id": "calib-1", "capacity": 30}]}]},
    "patients": [{"segment": "calib", "count": 0, "arrival_s": 0}],
    "policies": ["fcfs"],
}


@dataclass
class Calibration:
    """Measured service times (ms) per operation and the fitted ``service`` block."""

    target: str
    samples_ms: dict[str, list[float]]
    workers: int | None
    codes: dict[str, dict[str, int]] = field(default_factory=dict)

    def service_block(self) -> dict[str, Any]:
        """``{"service": {"workers": …, "service_ms": {op: lognormal}}}`` (workers if known)."""
        service: dict[str, Any] = {}
        if self.workers:
            service["workers"] = self.workers
        service["service_ms"] = {
            op: fit_lognormal(v) for op, v in self.samples_ms.items() if len(v) >= 5
        }
        return {"service": service}

    def overrides(self) -> dict[str, Any]:
        """The block as ``with_overrides`` paths."""
        block = self.service_block()["service"]
        return {f"service.{k}": v for k, v in block.items()}

    def to_yaml(self) -> str:
        """The block as YAML with a comment saying where and when it was measured."""
        counts = ", ".join(f"{op} n={len(v)}" for op, v in self.samples_ms.items())
        head = (
            f"# measured by slotgrab calibrate against {self.target} at "
            f"{datetime.now(UTC).isoformat(timespec='seconds')}\n"
            f"# sequential requests, one in flight ({counts}); times in ms, log-normal fits\n"
        )
        return head + yaml.safe_dump(self.service_block(), sort_keys=False)


def fit_lognormal(samples_ms: list[float]) -> dict[str, Any]:
    """A log-normal by its median and 95th percentile, floored at the fastest sample."""
    x = np.asarray(samples_ms, dtype=float)
    median = float(np.median(x))
    p95 = max(float(np.percentile(x, 95)), median)
    return {
        "dist": "lognormal",
        "median": round(median, 4),
        "p95": round(p95, 4),
        "floor": round(float(x.min()), 4),
    }


def _timed(
    client: httpx.Client,
    adapter: TargetAdapter,
    op: str,
    args: dict[str, Any],
    samples: dict[str, list[float]],
    codes: dict[str, dict[str, int]],
) -> dict[str, Any]:
    req = adapter.request(op, args)
    if req.local is not None:  # an op the target does not have: nothing to time
        codes.setdefault(op, {}).setdefault(req.local.code, 0)
        codes[op][req.local.code] += 1
        return req.local.body
    t = time.perf_counter()
    r = client.request(req.method, req.path, headers=req.headers, json=req.json)
    ms = (time.perf_counter() - t) * 1000.0
    try:
        body = r.json()
    except ValueError:
        body = {}
    answer = answer_with_context(
        adapter,
        op,
        req,
        r.status_code,
        body if isinstance(body, dict) else {"data": body},
        {k.lower(): v for k, v in r.headers.items()},
    )
    codes.setdefault(op, {}).setdefault(answer.code, 0)
    codes[op][answer.code] += 1
    if answer.code == "ok":  # time only what the simulator models as served work
        samples[op].append(ms)
    return answer.body


def _bookable(listed: dict[str, Any], session: str) -> str:
    """``session`` if the target lists it with slots left, else the first listed that has some:
    a target the scenario was not loaded on (a service of its own, through an adapter) keeps
    its own sessions."""
    free = [str(s.get("id")) for s in listed.get("sessions", []) if (s.get("remaining") or 0) > 0]
    return session if session in free or not free else free[0]


def calibrate(
    client: httpx.Client,
    adapter: TargetAdapter,
    admin_token: str | None,
    *,
    n: int = 200,
    scenario: Scenario | None = None,
    warmup: int = 20,
) -> Calibration:
    """Measure ``n`` samples of every core operation on the target ``client`` points at."""
    sc = scenario or Scenario.model_validate(CALIBRATION_SCENARIO)
    # about as many slots as a real release has (a target may do work per free slot);
    # every sample cancels its booking, so the slot comes back for the next one

    first = 9_000_000_000  # account/person ids far from any plan's
    accounts = {first + i: [first + i] for i in range(n + warmup)}
    # prepare, then load, as a load run does (a mapping's load hooks may need its login)
    adapter.bind(prepare_with_scenario(adapter, client, admin_token, accounts, sc))
    adapter.load(client, admin_token, sc, time.time() - 1.0, 0)
    session = sc.supply.departments[0].sessions[0].id
    dept = sc.supply.departments[0].id
    samples: dict[str, list[float]] = {op: [] for op in OPS}
    codes: dict[str, dict[str, int]] = {}
    for i in range(n + warmup):
        keep = samples if i >= warmup else {op: [] for op in OPS}
        ident = {"account": first + i, "person": first + i, "ip": 1 + i}
        listed = _timed(client, adapter, "list_sessions", {**ident, "department": dept}, keep, codes)
        session = _bookable(listed, session)
        hold = _timed(client, adapter, "hold", {**ident, "session": session}, keep, codes)
        if "hold_id" not in hold:
            continue
        _timed(client, adapter, "confirm", {**ident, "hold": hold["hold_id"]}, keep, codes)
        _timed(client, adapter, "cancel", {**ident, "hold": hold["hold_id"]}, keep, codes)
    workers = None
    try:
        workers = int(client.get("/v1/health").json().get("workers") or 0) or None
    except (httpx.HTTPError, ValueError, TypeError):
        workers = None
    return Calibration(str(client.base_url), samples, workers, codes)
