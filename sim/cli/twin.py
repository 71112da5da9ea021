"""``slotgrab twin``: the simulator's prediction beside a real load run of the same scenario.

Steps: start the target (or use ``--target``); calibrate the scenario's service model on it
(``slotgrab calibrate``, or ``--calibration FILE``); simulate ``--reps`` replications of the
calibrated scenario; play replication 0's plan against the target; print each metric's
simulated mean and 95 % CI, the simulated replication 0 (the very same plan), the load value,
the difference, and whether the load value lies inside the CI of the mean and inside the 95 %
prediction interval of one replication (mean ± t·sd·√(1 + 1/n): the right yardstick for a
single load run, which is one replication, not a mean).

The simulation runs before Locust is imported (Locust monkey-patches the standard library).
The folder gets ``twin.json`` and, unless ``--no-report``, ``report.html``/``report.md``.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table
from scipy import stats as scipy_stats

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.errors import UsageError, user_errors
from sim.cli.load import resolve_scenario, timing_table, wide_console
from sim.cli.metric_table import format_value
from sim.cli.run_report import report_option, write_run_report
from sim.experiments.aggregate import MetricStats
from sim.experiments.rundir import default_run_dir

__all__ = ["TWIN_METRICS", "TwinRow", "compare", "register"]

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


def _mark(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "[bold red]no[/bold red]")


def _table(rows: list[TwinRow], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for col in (
        "metric",
        "sim mean",
        "95 % CI",
        "sim rep 0",
        "load",
        "load − sim",
        "in CI",
        "in PI",
    ):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for r in rows:
        ci = (
            "—"
            if not math.isfinite(r.ci_low)
            else f"{format_value(r.ci_low)} … {format_value(r.ci_high)}"
        )
        t.add_row(
            r.metric,
            format_value(r.sim_mean),
            ci,
            format_value(r.sim_rep0),
            format_value(r.load),
            format_value(r.diff),
            _mark(r.in_ci),
            _mark(r.in_pi),
        )
    return t


def _calibration(
    path: Path | None, target: Any, samples: int, adapter: Any = None
) -> dict[str, Any]:
    """``service.*`` overrides: from a file written by ``slotgrab calibrate``, or measured now."""
    if path is not None:
        try:
            block = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"--calibration {path}: cannot read it ({exc})") from None
        if not isinstance(block, dict) or not isinstance(block.get("service"), dict):
            raise UsageError(
                f"--calibration {path}: expected a 'service:' mapping (slotgrab calibrate --out)"
            )
        return {f"service.{k}": v for k, v in block["service"].items()}
    import httpx

    from sim.drivers.adapter_loader import load_adapter
    from sim.drivers.load.calibration import calibrate

    with httpx.Client(base_url=target.base_url, timeout=30.0) as client:
        the_adapter = load_adapter(*adapter) if adapter else load_adapter(None)
        return calibrate(client, the_adapter, target.admin_token, n=samples).overrides()


def twin(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    reps: int = typer.Option(10, "--reps", min=2, max=1000, help="Simulated replications."),
    target: str | None = typer.Option(
        None, "--target", help="Target URL (default: start the reference)."
    ),
    calibration: Path | None = typer.Option(
        None,
        "--calibration",
        help="service: block from `slotgrab calibrate --out` (default: calibrate now).",
    ),
    samples: int = typer.Option(
        100, "--samples", min=10, help="Calibration samples per operation."
    ),
    processes: int = typer.Option(1, "--processes", min=1, max=64, help="Locust processes."),
    policy: list[str] | None = typer.Option(
        None, "--policy", help="Policy stack replacing the scenario's."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: runs/<scenario>-twin-<time>)."
    ),
    set_: list[str] | None = typer.Option(
        None, "--set", metavar="PATH=VALUE", help="Override a scenario field."
    ),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    with_report: bool = report_option(),
) -> None:
    """Simulate a scenario (calibrated on the target) and load-test it; print both side by side."""
    from sim.cli.load import _admin_token
    from sim.drivers.load.target import Target, started_target
    from sim.experiments import aggregate, replicate

    with user_errors():
        sc, _ = resolve_scenario(scenario, set_, policy)
        spec, options = resolve_adapter(adapter, adapter_opt)
        folder = out if out is not None else default_run_dir(f"{sc.name}-twin")
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(
                f"{folder}: output folder exists and is not empty; choose another --out"
            )
        folder.mkdir(parents=True, exist_ok=True)
        err = Console(stderr=True)
        try:
            ctx: contextlib.AbstractContextManager[Target]
            if target is None:
                ctx = started_target("reference")
            elif target.startswith(("http://", "https://")):
                ctx = contextlib.nullcontext(Target(target.rstrip("/"), _admin_token(None)))
            else:
                raise UsageError(f"--target {target!r}: expected a URL (http://…)")
            with ctx as tgt:
                err.print("calibrating the service model on the target …")
                calibrated = sc.with_overrides(
                    _calibration(calibration, tgt, samples, (spec, options) if spec else None)
                )
                err.print(f"simulating {reps} replications …")
                summaries = replicate(calibrated, range(reps))
                sim = aggregate(summaries)
                err.print("load run of replication 0 …")
                from sim.drivers.load.harness import load_run  # imports locust (gevent patching)

                report = load_run(
                    calibrated, tgt, processes=processes, adapter=spec, adapter_options=options
                )
        except (RuntimeError, OSError, ValueError) as exc:
            raise UsageError(f"twin of {sc.name!r} could not be carried out: {exc}") from None
        rows = compare(sim, summaries[0], report.metrics)
        console = wide_console()
        console.print(
            _table(rows, f"{sc.name} · simulated ({reps} reps, calibrated) vs load run (rep 0)")
        )
        console.print(timing_table(report.timing, "load run timing (ms)"))
        console.print(
            "in CI: inside the 95 % CI of the simulated mean; in PI: inside the 95 % "
            "prediction interval of one replication (the fair test for one load run)"
        )
        doc = {
            "scenario": sc.name,
            "reps": reps,
            "calibration": _json_safe(calibrated.service.model_dump(mode="json", by_alias=True)),
            "rows": [
                {**asdict(r), "diff": r.diff, "in_ci": r.in_ci, "in_pi": r.in_pi} for r in rows
            ],
            "timing": report.timing,
            "violations": [v.kind for v in report.violations],
        }
        (folder / "twin.json").write_text(
            json.dumps(_json_safe(doc), indent=2) + "\n", encoding="utf-8"
        )
        console.print(f"twin folder: {folder}")
        if with_report:
            write_run_report(folder, console)
        if report.violations:
            from sim.domain.invariants import InvariantViolation

            raise InvariantViolation(report.violations)


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


def register(app: typer.Typer) -> None:
    """Add ``slotgrab twin``."""
    app.command("twin")(twin)
