"""One check, end to end: run the scenario, judge its gates and baseline, write the results.

:func:`run_check` is what ``slotgrab check`` calls (and what tests call without a CLI). It
writes into the output folder: ``run/`` (the run directory), ``result.json``, ``junit.xml``,
``summary.md`` (the gate verdicts, then the report's Markdown summary) and ``report.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim.experiments import RunDir
from sim.experiments.rundir import run_folder
from sim.gates.baseline import Baseline, BaselineError, compare, parse_tolerances
from sim.gates.evaluate import GateConfigError, evaluate_gates, timing_trusted
from sim.gates.expression import KINDS, Gate, parse_gate_table
from sim.gates.junit import write_junit
from sim.gates.markdown import write_markdown
from sim.gates.measure_simulate import Measured, measure_simulate
from sim.gates.result import CheckResult
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["CheckError", "CheckOptions", "CheckOutput", "OnProgress", "run_check"]

OnProgress = Callable[[int, int], None]
"""Called with (done, total): replications of a simulate check, agents finished of a load check."""


class CheckError(ValueError):
    """Something the user must fix before a check can judge anything (exit code 2)."""


@dataclass(frozen=True)
class CheckOptions:
    """What ``slotgrab check`` was asked to do."""

    scenario: str
    kind: str = "simulate"
    baseline: Path | None = None
    save_baseline: Path | None = None
    tolerances: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    out: Path | None = None
    report: bool = True
    # load runs only
    target: str | None = None
    processes: int = 1
    reference_path: str = "/v1/health"
    admin_token_file: Path | None = None
    command: tuple[str, ...] | None = None  # a custom target command line (tests: slowed target)
    adapter: str | None = None  # --adapter (a mapping file or MODULE:CLASS)
    adapter_options: tuple[tuple[str, str], ...] = ()  # --adapter-opt KEY=VALUE


@dataclass(frozen=True)
class CheckOutput:
    """The verdicts and the files written."""

    result: CheckResult
    files: dict[str, Path] = field(default_factory=dict)


def _out_dir(out: Path | None, sc: Scenario, kind: str) -> Path:
    if out is not None:
        return out
    return run_folder(sc.name, f"check-{kind}")


def _run_dir(out: Path) -> RunDir:
    try:
        return RunDir.create(out / "run")
    except FileExistsError:
        raise CheckError(
            f"{out}: output folder already holds a run; choose another --out"
        ) from None
    except OSError as exc:
        raise CheckError(f"{out}: cannot create the output folder: {exc.strerror}") from None


def _measure(
    sc: Scenario,
    opts: CheckOptions,
    folder: Path,
    source: str,
    on_progress: OnProgress | None,
) -> Measured:
    run_dir = _run_dir(folder)
    if opts.kind == "simulate":
        on_rep = (lambda r: on_progress(r.rep + 1, sc.replications)) if on_progress else None
        return measure_simulate(sc, run_dir, source, on_done=on_rep)
    from sim.gates.measure_load import measure_load  # the load driver: locust, gevent

    command = list(opts.command) if opts.command else None
    try:
        token = opts.admin_token_file.read_text().strip() if opts.admin_token_file else None
        return measure_load(
            sc,
            run_dir,
            target=opts.target,
            processes=opts.processes,
            reference_path=opts.reference_path,
            command=command,
            source=source,
            admin_token=token,
            adapter=opts.adapter,
            adapter_options=dict(opts.adapter_options),
            progress=(lambda c: on_progress(c.get("finished", 0), c.get("agents", 0)))
            if on_progress else None,
        )
    except (RuntimeError, ValueError, OSError) as exc:  # target down, workers lost, bad URL
        raise CheckError(f"load run of {sc.name!r} could not be carried out: {exc}") from None


def _compared_metrics(
    gates: tuple[Gate, ...], kind: str, tolerances: dict[str, float], measured: Measured
) -> list[str]:
    unknown = sorted(set(tolerances) - set(measured.metrics))
    if unknown:
        raise CheckError(
            f"--tolerance names metric(s) {', '.join(unknown)} that this run does not "
            f"report; known metrics: {', '.join(sorted(measured.metrics))}"
        )
    # generator_* gates judge the load generator, not the change under test: no regression check
    gated = {g.metric for g in gates if g.kind == kind and not g.metric.startswith("generator_")}
    return sorted(gated | set(tolerances))


def _load_baseline(path: Path | None, kind: str) -> Baseline | None:
    if path is None:
        return None
    baseline = Baseline.load(path)
    if baseline.kind != kind:
        raise CheckError(
            f"{path}: baseline is of a {baseline.kind!r} run; this check is --kind {kind}"
        )
    return baseline


def _report_markdown(run_dir: Path | None, html: Path) -> str:
    """The report's Markdown summary (written beside ``html``), or a note why there is none."""
    if run_dir is None:
        return ""
    try:
        from reports.build import write_report  # the only place that imports matplotlib

        return write_report(run_dir, html, echo=None).with_suffix(".md").read_text(encoding="utf-8")
    except Exception as exc:  # the report is an extra: its failure must not hide the verdicts
        return f"*(report could not be built: {type(exc).__name__}: {exc})*"


def _judge(
    sc: Scenario, opts: CheckOptions, measured: Measured, baseline: Baseline | None
) -> CheckResult:
    gates = parse_gate_table(sc.gates)
    results = evaluate_gates(gates, measured.metrics, opts.kind)
    regressions = []
    if baseline is not None:
        tolerances = parse_tolerances(opts.tolerances)
        names = _compared_metrics(gates, opts.kind, tolerances, measured)
        regressions = compare(
            measured.metrics,
            measured.references,
            baseline,
            names,
            tolerances,
            gates,
            timing_trusted=timing_trusted(results),
        )
    meta = {
        "run_dir": str(measured.run_dir),
        **measured.meta,
        "baseline": str(opts.baseline) if opts.baseline else None,
    }
    return CheckResult(
        sc.name, opts.kind, results, regressions, measured.metrics, measured.references, meta
    )


def run_check(
    opts: CheckOptions, on_progress: OnProgress | None = None
) -> CheckOutput:
    """Run, judge and write one check. Raises :class:`CheckError` (or the scenario loader's
    ``ScenarioError``) for anything the user must fix; ``on_progress`` sees the progress."""
    if opts.kind not in KINDS:
        raise CheckError(f"--kind {opts.kind!r} is not a run kind; allowed: {', '.join(KINDS)}")
    try:
        parse_tolerances(opts.tolerances)  # fail before a long run, not after it
        source = resolve_path(opts.scenario)
        sc = load_scenario(source, parse_set_options(list(opts.overrides)))
        baseline = _load_baseline(opts.baseline, opts.kind)
        if not sc.gates.get(opts.kind) and baseline is None and opts.save_baseline is None:
            raise CheckError(
                f"{source}: scenario {sc.name!r} declares no gates for {opts.kind!r} runs "
                f"and no --baseline was given: nothing to check "
                f"(add gates: {{{opts.kind}: [...]}})"
            )
        folder = _out_dir(opts.out, sc, opts.kind)
        measured = _measure(sc, opts, folder, str(source), on_progress)
        result = _judge(sc, opts, measured, baseline)
    except (GateConfigError, BaselineError) as exc:
        raise CheckError(str(exc)) from None
    files = {
        "result": folder / "result.json",
        "junit": folder / "junit.xml",
        "summary": folder / "summary.md",
    }
    extra = _report_markdown(measured.run_dir, folder / "report.html") if opts.report else ""
    if opts.report:
        files["report"] = folder / "report.html"
    result.write_json(files["result"])
    write_junit(result, files["junit"])
    write_markdown(result, files["summary"], extra)
    if opts.save_baseline is not None:
        Baseline(
            sc.name, opts.kind, measured.metrics, measured.references, {"source": str(source)}
        ).save(opts.save_baseline)
        files["baseline"] = opts.save_baseline
    return CheckOutput(result, files)
