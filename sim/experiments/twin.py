"""The digital twin's analysis: the simulator's prediction beside one real load run.

A load run is one replication, so each metric's load value is judged against the 95 %
prediction interval of one replication (mean ± t·sd·√(1 + 1/n)) as well as against the CI of
the simulated mean. :func:`run_twin` carries out the whole twin — calibrate the service model
on the target, simulate, play replication 0's plan — and ``slotgrab twin`` prints its result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from scipy import stats as scipy_stats

from sim.drivers.adapter_loader import load_adapter
from sim.drivers.load.calibration import calibrate
from sim.drivers.load.target import Target
from sim.experiments.aggregate import MetricStats, aggregate
from sim.experiments.replicate import replicate
from sim.scenario.model import Scenario

__all__ = ["TWIN_METRICS", "CalibrationFileError", "TwinResult", "TwinRow", "calibration_overrides",
           "compare", "run_twin", "twin_document"]


class CalibrationFileError(ValueError):
    """A ``--calibration`` file that cannot be read or has no ``service:`` block."""


TWIN_METRICS = (
    "bot_share",
    "patient_success",
    "slots_confirmed",
    "unused_slots",
    "time_to_book_p50_s",
    "time_to_book_p90_s",
    "attempts_per_success",
    "requests",
    "peak_rps",
    "overloaded_rate",
    "timeout_rate",
    "latency_p50_ms",
    "latency_p99_ms",
    "invariant_violations",
)


@dataclass(frozen=True, slots=True)
class TwinRow:
    """One metric, simulated vs measured."""

    metric: str
    sim_mean: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    sim_rep0: float
    load: float

    @property
    def diff(self) -> float:
        """load − simulated mean."""
        return self.load - self.sim_mean

    @property
    def in_ci(self) -> bool | None:
        """Whether the load value is inside the simulator's CI of the mean (None: no CI)."""
        return _inside(self.load, self.ci_low, self.ci_high, self.sim_mean)

    @property
    def in_pi(self) -> bool | None:
        """Whether the load value is inside the 95 % prediction interval of one replication."""
        return _inside(self.load, self.pi_low, self.pi_high, self.sim_mean)


def _inside(x: float, low: float, high: float, mean: float) -> bool | None:
    if not math.isfinite(x):
        return None
    if not (math.isfinite(low) and math.isfinite(high)):
        return x == mean if math.isfinite(mean) else None
    return low - 1e-12 <= x <= high + 1e-12


def _prediction(s: MetricStats, confidence: float = 0.95) -> tuple[float, float]:
    if s.n < 2 or not math.isfinite(s.sd):
        return math.nan, math.nan
    half = float(scipy_stats.t.ppf(0.5 + confidence / 2, s.n - 1)) * s.sd * math.sqrt(1 + 1 / s.n)
    return s.mean - half, s.mean + half


def compare(
    sim: dict[str, MetricStats],
    sim_rep0: dict[str, float],
    load: dict[str, float],
    metrics: tuple[str, ...] = TWIN_METRICS,
) -> list[TwinRow]:
    """Rows for every metric both sides report."""
    rows = []
    for name in metrics:
        if name not in sim or name not in load:
            continue
        s = sim[name]
        pi = _prediction(s)
        rows.append(
            TwinRow(
                name,
                s.mean,
                s.ci_low,
                s.ci_high,
                pi[0],
                pi[1],
                sim_rep0.get(name, math.nan),
                load[name],
            )
        )
    return rows


def calibration_overrides(path: Path | None, target: Target, samples: int,
                          adapter: tuple[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """``service.*`` overrides: from a file written by ``slotgrab calibrate``, or measured now."""
    if path is not None:
        try:
            block = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CalibrationFileError(f"--calibration {path}: cannot read it ({exc})") from None
        if not isinstance(block, dict) or not isinstance(block.get("service"), dict):
            raise CalibrationFileError(
                f"--calibration {path}: expected a 'service:' mapping (slotgrab calibrate --out)"
            )
        return {f"service.{k}": v for k, v in block["service"].items()}
    with httpx.Client(base_url=target.base_url, timeout=30.0) as client:
        the_adapter = load_adapter(*adapter) if adapter else load_adapter(None)
        return calibrate(client, the_adapter, target.admin_token, n=samples).overrides()


@dataclass
class TwinResult:
    """The calibrated scenario, its simulated summaries, the load run and the rows comparing them."""

    calibrated: Scenario
    summaries: list[dict[str, float]]
    report: Any  # sim.drivers.load.harness.LoadReport (imported with the load run: locust)
    rows: list[TwinRow]


def run_twin(sc: Scenario, target: Target, *, reps: int, calibration: Path | None = None,
             samples: int = 100, processes: int = 1, adapter: str | None = None,
             adapter_options: dict[str, str] | None = None,
             echo: Callable[[str], None] = lambda _msg: None) -> TwinResult:
    """Calibrate ``sc`` on ``target``, simulate ``reps`` replications, then play replication 0
    against the target (the simulation runs before Locust is imported: it patches the stdlib)."""
    echo("calibrating the service model on the target …")
    options = dict(adapter_options or {})
    calibrated = sc.with_overrides(
        calibration_overrides(calibration, target, samples, (adapter, options) if adapter else None))
    echo(f"simulating {reps} replications …")
    summaries = replicate(calibrated, range(reps))
    echo("load run of replication 0 …")
    from sim.drivers.load.harness import load_run  # imports locust (gevent patching)

    report = load_run(calibrated, target, processes=processes, adapter=adapter, adapter_options=options)
    return TwinResult(calibrated, summaries, report, compare(aggregate(summaries), summaries[0], report.metrics))


def twin_document(sc: Scenario, reps: int, result: TwinResult) -> dict[str, Any]:
    """``twin.json``: the calibration, every row (with its verdicts), timing and violations."""
    doc = {
        "scenario": sc.name,
        "reps": reps,
        "calibration": result.calibrated.service.model_dump(mode="json", by_alias=True),
        "rows": [{**asdict(r), "diff": r.diff, "in_ci": r.in_ci, "in_pi": r.in_pi} for r in result.rows],
        "timing": result.report.timing,
        "violations": [v.kind for v in result.report.violations],
    }
    return dict(_json_safe(doc))


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x
