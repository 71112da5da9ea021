"""Small seeded scenarios, record readouts and a policy context shared by the policy tests.

Each policy test runs a few hundred patients and a small bot crew for a short horizon under a
few seeds and asserts a *direction* (policy vs baseline), never a golden number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from sim.domain.ledger import Ledger
from sim.drivers.simpy_driver import run_simulation
from sim.metrics.view import RunView
from sim.policies.base import PolicyContext
from sim.policies.store import MemoryStore
from sim.records import RunRecords
from sim.rng import Streams
from sim.scenario.model import PolicySpec, Scenario
from sim.scenario.overrides import apply_overrides

SEEDS = tuple(range(1, 9))


def policy_context(
    ledger: Ledger | None = None,
    *,
    seed: int = 1,
    departments: dict[str, str] | None = None,
    dates: dict[str, str] | None = None,
    store: MemoryStore | None = None,
) -> PolicyContext:
    """The context a policy is built with in a unit test: ``store`` (default a fresh
    MemoryStore), stream ``policy`` of ``seed`` (replication 0), ``ledger`` (default empty), a
    900 s hold TTL and the sessions' departments and dates."""
    return PolicyContext(
        MemoryStore() if store is None else store,
        Streams(seed, 0).generator("policy"),
        Ledger() if ledger is None else ledger,
        900.0,
        {} if departments is None else departments,
        {} if dates is None else dates,
    )


def scenario(
    policies: Sequence[Any] = ("fcfs",),
    *,
    patients: int = 300,
    capacity: int = 20,
    bots: bool = True,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """One expert session released at T0; eager mobile patients, a late elderly segment and
    (optionally) one grab plug-in crew."""
    data: dict[str, Any] = {
        "name": "policy-test",
        "seed": 1,
        "horizon": {"before_s": 60, "after_s": 900},
        "supply": {
            "departments": [
                {
                    "id": "derm",
                    "level": "expert",
                    "sessions": [{"id": "d1-am", "capacity": capacity, "date": "2026-11-30"}],
                }
            ]
        },
        "patients": [
            {
                "segment": "mobile",
                "count": int(patients * 0.8),
                "arrival_s": {"dist": "normal", "mean": -10, "sd": 20},
                "retries": 20,
            },
            {
                "segment": "elderly",
                "count": patients - int(patients * 0.8),
                "arrival_s": {"dist": "uniform", "low": -30, "high": 300},
                "reaction_s": {"dist": "lognormal", "median": 1.5, "p95": 4},
                "retries": 5,
            },
        ],
        "bots": [
            {
                "crew": "plugin",
                "devices": 2,
                "rate_per_s": 50,
                "accounts": 20,
                "ips": 4,
                "persons": 60,
            }
        ]
        if bots
        else [],
        "policies": list(policies),
    }
    if overrides:
        data = apply_overrides(data, overrides)
    return Scenario.model_validate(data)


def with_policies(sc: Scenario, *policies: Any) -> Scenario:
    """``sc`` under another stack (entries as in YAML: a name or ``{name: params}``)."""
    return Scenario.model_validate(
        {**sc.model_dump(mode="python", by_alias=True), "policies": list(policies)}
    )


def runs(sc: Scenario, seeds: Iterable[int] = SEEDS) -> list[RunView]:
    """One replication per seed (invariants checked by the driver), as metric views."""
    return [view(run_simulation(sc.model_copy(update={"seed": s}), 0)) for s in seeds]


def view(rec: RunRecords) -> RunView:
    return RunView(rec.tables(), rec.meta)


def bot_share(v: RunView) -> float:
    """Share of the slots confirmed at the end that bot-controlled persons hold (0 if none)."""
    fb = v.final_bookings
    return float(v.is_bot_person(fb.person).mean()) if len(fb) else 0.0


def patient_success(v: RunView) -> float:
    return float(v.patient_success.mean())


def patient_bookings(v: RunView) -> int:
    return int(v.patient_success.sum())


def mean(values: Iterable[float]) -> float:
    return float(np.mean(list(values)))


def codes(v: RunView, kind: str = "patient") -> dict[str, int]:
    """Request count per response code, for patients' (or bots') requests."""
    mask = v.request_is_patient if kind == "patient" else ~v.request_is_patient
    c = v.request_codes[mask]
    keys, counts = np.unique(c.astype(str), return_counts=True)
    return dict(zip(keys.tolist(), counts.tolist(), strict=True))


def outcome_statuses(v: RunView, kind: str = "patient") -> dict[str, int]:
    out = v.table("outcomes")
    agents = np.asarray(out.column("agent").to_numpy())
    status = np.asarray(out.column("status").to_pylist(), dtype=object)
    mask = v.patient_mask_of(agents)
    mask = mask if kind == "patient" else ~mask
    keys, counts = np.unique(status[mask].astype(str), return_counts=True)
    return dict(zip(keys.tolist(), counts.tolist(), strict=True))


def burden(v: RunView, column: str = "burden_s") -> float:
    """Mean seconds per patient of a burden column of ``outcomes``."""
    out = v.table("outcomes")
    agents = np.asarray(out.column("agent").to_numpy())
    values = np.asarray(out.column(column).to_numpy(), dtype=float)
    return float(values[v.patient_mask_of(agents)].mean())


def spec(name: str, **params: Any) -> PolicySpec:
    return PolicySpec(name=name, params=params)
