"""The Markdown summary of a check, suited to a CI step summary (``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import math
from pathlib import Path

from sim.gates.result import CheckResult
from sim.gates.values import MetricValue

__all__ = ["check_markdown", "write_markdown"]

_ICON = {"pass": "✅ pass", "fail": "❌ fail", "inconclusive": "⚠️ inconclusive"}
_HEADLINE = {
    "pass": "all gates passed",
    "fail": "a gate or regression check failed",
    "inconclusive": "inconclusive: the data cannot decide "
    "(a CI straddles a threshold, or the load generator lagged)",
}


def _num(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4g}"


def _value(v: MetricValue | None) -> str:
    if v is None:
        return "n/a"
    if not v.has_ci:
        return _num(v.mean)
    return f"{_num(v.mean)} [{_num(v.ci_low)}, {_num(v.ci_high)}] (n={v.n})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def check_markdown(result: CheckResult, extra: str = "") -> str:
    """The summary: overall verdict, a gate table, a regression table, then ``extra`` (if any)."""
    lines = [
        f"## slotgrab check — `{result.scenario}` ({result.kind}): {_ICON[result.status]}",
        "",
        f"**{_HEADLINE[result.status]}** · exit code {result.exit_code} · "
        + " · ".join(f"{n} {s}" for s, n in result.counts().items()),
        "",
        "| gate | status | value (mean [95 % CI]) | decided on | why |",
        "|---|---|---|---|---|",
    ]
    for g in result.gates:
        label = f"`{g.gate.text}`" + (" *(implicit)*" if g.implicit else "")
        cells = [label, _ICON[g.status], _value(g.value), _num(g.decided_on), _cell(g.reason)]
        lines.append("| " + " | ".join(cells) + " |")
    if not result.gates:
        lines.append("| *(no gates for this run kind)* | | | | |")
    if result.regressions:
        lines += [
            "",
            "| regression check | status | baseline | current | change | tolerance | why |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in result.regressions:
            lines.append(
                f"| `{r.metric}` | {_ICON[r.status]} | {_num(r.baseline)} | {_num(r.current)} | "
                f"{r.change:+.1%} | {r.tolerance:.0%} | {_cell(r.reason)} |"
            )
    if result.references:
        refs = ", ".join(f"`{k}` = {_num(v)}" for k, v in sorted(result.references.items()))
        lines += ["", f"In-run references (performance is compared as ratios to these): {refs}"]
    if extra.strip():
        lines += ["", extra.strip()]
    return "\n".join(lines) + "\n"


def write_markdown(result: CheckResult, path: Path, extra: str = "") -> None:
    """Write the summary file (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(check_markdown(result, extra), encoding="utf-8")
