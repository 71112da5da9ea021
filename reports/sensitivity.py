"""The sensitivity report: a tornado chart of which uncertain inputs move each outcome most.

Reads the ``sensitivity.json`` that ``slotgrab sensitivity`` writes into its run folder and
writes ``sensitivity.png``, ``report.md`` and ``report.html`` beside it. Standalone (its own
figure and page) so the shared report builder (:mod:`reports.build`) needs no change.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from reports.figure import ReportFigure, new_figure

__all__ = ["sensitivity_figure", "sensitivity_markdown", "write_sensitivity_report"]

LABELS = {"bot_share": "bot share", "patient_success": "patient success"}


def _bars(method: str) -> tuple[str, str, str | None]:
    """(index drawn as the bar, its CI key, a second index drawn as a thin bar)."""
    return ("mu_star", "mu_star_conf", None) if method == "morris" else ("ST", "ST_conf", "S1")


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else 0.0


def sensitivity_figure(doc: dict[str, Any]) -> ReportFigure:
    """One horizontal bar panel per outcome, inputs sorted by influence (a tornado chart)."""
    method = doc["method"]
    key, conf, second = _bars(method)
    outputs = list(doc["indices"])
    fig = new_figure(f"What moves the outcome ({method})", 1.2 + 0.45 * len(doc["inputs"]) * len(outputs))
    axes = fig.subplots(len(outputs), 1, squeeze=False)[:, 0]
    for ax, out in zip(axes, outputs, strict=True):
        table = doc["indices"][out]
        names = sorted(table, key=lambda n: _num(table[n][key]))
        y = range(len(names))
        ax.barh(y, [_num(table[n][key]) for n in names], xerr=[_num(table[n][conf]) for n in names],
                color="#3b6ea8", label=key.replace("_", " "))
        if second:
            ax.barh(y, [_num(table[n][second]) for n in names], height=0.3, color="#e0a030",
                    label=second)
        ax.set_yticks(list(y), names)
        ax.set_title(LABELS.get(out, out), fontsize=11, loc="left")
        ax.legend(loc="lower right", fontsize=8)
    axes[-1].set_xlabel("μ* (mean |elementary effect|, outcome units)" if method == "morris"
                        else "Sobol index (share of the outcome's variance)")
    caption = ("Morris screening: μ* ranks inputs by influence; bars show the 95 % bootstrap CI"
               if method == "morris" else
               "Sobol: total index ST (bar, with CI) and first-order S1 (thin bar)")
    return ReportFigure("sensitivity", "Sensitivity", caption, fig)


def _deterministic_note(doc: dict[str, Any]) -> list[str]:
    """Say plainly when an outcome did not vary at all: its indices are 0 (or undefined) because
    the model is deterministic over these ranges, not because the inputs are unimportant."""
    out = []
    for name, spread in doc.get("output_range", {}).items():
        if spread[0] == spread[1]:
            out.append(f"- {LABELS.get(name, name)} was {spread[0]:.3g} at every sample point: the "
                       "model is deterministic there over these ranges, so every index is 0 "
                       "(zero width, not zero uncertainty in the world).")
    return out


def sensitivity_markdown(doc: dict[str, Any], figure_file: str) -> str:
    """The report as Markdown: ranges, ranking per outcome, the figure, how it was run."""
    key, conf, second = _bars(doc["method"])
    lines = [f"# Sensitivity: {doc['scenario']} ({doc['method']})", "",
             f"{doc['runs']} simulator runs, seed {doc['seed']}, n = {doc['n']}; one replication "
             "per sample point, common random numbers inside each trajectory/base sample.", "",
             "| uncertain input | low | high |", "|---|---|---|"]
    lines += [f"| `{i['path']}` | {i['low']:g} | {i['high']:g} |" for i in doc["inputs"]]
    for out, table in doc["indices"].items():
        cols = [key, conf] + ([second] if second else [])
        lines += ["", f"## {LABELS.get(out, out)}", "", "| input | " + " | ".join(cols) + " |",
                  "|---|" + "---|" * len(cols)]
        for name in sorted(table, key=lambda n: -_num(table[n][key])):
            lines.append(f"| `{name}` | " + " | ".join(f"{_num(table[name][c]):.4f}" for c in cols) + " |")
        flat = [f"`{n}`" for n in table if _num(table[n][key]) == 0 and _num(table[n][conf]) == 0]
        if flat:
            lines.append(f"\nZero index with a zero-width CI for {', '.join(flat)}: over its range "
                         "this input never changed the outcome in any sampled trajectory (the "
                         "model is deterministic in it there), which is not evidence that the "
                         "real-world quantity does not matter.")
        if doc.get("undefined", {}).get(out):
            lines.append(f"\n{doc['undefined'][out]} points had no value (NaN), analysed as 0.")
    lines += ["", *_deterministic_note(doc), "", f"![sensitivity]({figure_file})", ""]
    return "\n".join(lines)


def write_sensitivity_report(folder: Path) -> Path:
    """Write ``sensitivity.png``, ``report.md`` and ``report.html`` into ``folder``; the HTML path."""
    doc = json.loads((folder / "sensitivity.json").read_text(encoding="utf-8"))
    fig = sensitivity_figure(doc)
    fig.save(str(folder / "sensitivity.png"))
    md = sensitivity_markdown(doc, "sensitivity.png")
    (folder / "report.md").write_text(md, encoding="utf-8")
    page = (f"<!doctype html><meta charset=utf-8><title>{html.escape(doc['scenario'])} sensitivity"
            f"</title><pre>{html.escape(md)}</pre><img alt=sensitivity "
            f"src='data:image/png;base64,{fig.png_base64()}'>")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
