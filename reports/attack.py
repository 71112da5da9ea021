"""Reports of the adaptive adversary: the search curve of ``slotgrab attack`` and the nominal vs
worst-case comparison of ``compare --adaptive``, each as a self-contained HTML report and a
Markdown summary, built from the run folder's ``attack.json`` / ``adaptive.json`` alone."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reports.build import Report
from reports.figure import ReportFigure, new_figure
from reports.html import render_html
from reports.markdown import render_markdown
from reports.palette import PolicyColours
from reports.summary import SummaryTable
from sim.attack.verdict import adaptive_conclusions, attack_conclusions, rank_by_worst

__all__ = ["adaptive_figure", "search_curve_figure", "write_adaptive_report", "write_attack_report"]

_STATE_STYLE = {"complete": ("o", "#1f77b4"), "pruned": ("v", "#999999"),
                "over_budget": ("x", "#d62728"), "invalid": ("x", "#7f7f7f")}


def _label(metric: str) -> str:
    return "bot share of slots" if metric == "bot_share_total" else f"scalper profit, ¥/day ({metric})"


def _stat(side: Mapping[str, Any], metric: str) -> Mapping[str, Any]:
    return side.get("stats", {}).get(metric) or {}


def search_curve_figure(doc: Mapping[str, Any]) -> ReportFigure:
    """Each trial's objective (by state) and the best complete value so far; the nominal
    crew's confirmed mean and CI as a band."""
    fig = new_figure(f"Attack search against {doc['policy']}", 4.2)
    ax = fig.add_subplot(1, 1, 1)
    for state, (marker, colour) in _STATE_STYLE.items():
        pts = [(t["number"], t["value"]) for t in doc["trials"] if t["state"] == state and t["value"] is not None]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.scatter(xs, ys, marker=marker, color=colour, label=f"{state.replace('_', ' ')} ({len(pts)})", s=28)
    best = [(i, v) for i, v in enumerate(doc["best_so_far"]) if v is not None]
    if best:
        xs, ys = zip(*best, strict=True)
        ax.step(xs, ys, where="post", color="#2ca02c", lw=2, label="best so far")
    nominal = _stat(doc["nominal"], doc["metric"])
    if nominal.get("mean") is not None:
        ax.axhline(nominal["mean"], color="#4d4d4d", ls="--", lw=1.2, label="nominal crew (fresh seeds)")
        if nominal.get("ci_low") is not None:
            ax.axhspan(nominal["ci_low"], nominal["ci_high"], color="#4d4d4d", alpha=0.12)
    ax.set_xlabel("trial")
    ax.set_ylabel(_label(doc["metric"]))
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    caption = (f"{len(doc['trials'])} trials, each the mean over {doc['settings']['seeds']} seeds "
               "(pruned trials: mean of the seeds they ran); band: nominal crew's 95 % CI.")
    return ReportFigure("attack-search", "Search curve", caption, fig)


def _worst(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return doc["best"] if doc["worst_is"] == "best" else doc["nominal"]


def adaptive_figure(docs: Sequence[Mapping[str, Any]], metric: str = "bot_share_total") -> ReportFigure:
    """Per stack, nominal vs worst-case value with 95 % CI whiskers, ranked by worst case."""
    ranked = list(rank_by_worst(docs))
    fig = new_figure("Nominal vs worst case found", 0.5 + 0.55 * max(len(ranked), 2))
    ax = fig.add_subplot(1, 1, 1)
    colours = PolicyColours([d["policy"] for d in ranked])
    for i, doc in enumerate(ranked):
        for offset, side, alpha, name in ((-0.18, doc["nominal"], 0.45, "nominal"), (0.18, _worst(doc), 1.0, "worst")):
            s = _stat(side, metric)
            if s.get("mean") is None:
                continue
            err = None
            if s.get("ci_low") is not None:
                lo, hi = max(s["ci_low"], 0.0), s["ci_high"]
                err = [[s["mean"] - lo], [hi - s["mean"]]]
            ax.barh(i + offset, s["mean"], height=0.34, color=colours[doc["policy"]], alpha=alpha,
                    xerr=err, capsize=3, label=name if i == 0 else None)
    ax.set_yticks(range(len(ranked)), [d["policy"] for d in ranked])
    ax.invert_yaxis()
    ax.set_xlabel(_label(metric))
    if metric == "bot_share_total":
        ax.set_xlim(0, 1)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    caption = "Light bar: today's crew; dark bar: the strongest attack searched against that stack (fresh seeds)."
    return ReportFigure("attack-adaptive", "Worst case per policy", caption, fig)


def _cell(side: Mapping[str, Any], metric: str, scale: float, digits: int) -> str:
    s = _stat(side, metric)
    if s.get("mean") is None:
        return "–"
    hw = s.get("half_width")
    text = f"{s['mean'] * scale:,.{digits}f}"
    return text if hw is None or hw == 0 or math.isnan(hw) else f"{text} ± {hw * scale:,.{digits}f}"


def _table(docs: Sequence[Mapping[str, Any]]) -> SummaryTable:
    rows = []
    for doc in rank_by_worst(docs):
        profit = f"scalper_profit.{doc['crew']}"
        rows.append((doc["policy"], _cell(doc["nominal"], "bot_share_total", 100, 1),
                     _cell(_worst(doc), "bot_share_total", 100, 1), _cell(doc["nominal"], profit, 1, 0),
                     _cell(_worst(doc), profit, 1, 0), "yes" if doc["found_stronger"] else "no"))
    cols = ("policy", "bot share, nominal %", "bot share, worst %", "profit nominal ¥", "profit worst ¥",
            "stronger attack found")
    return SummaryTable(cols, tuple(rows))


def _write(folder: Path, report: Report, stem: str) -> Path:
    html = folder / f"{stem}.html"
    html.write_text(render_html(report), encoding="utf-8")
    html.with_suffix(".md").write_text(render_markdown(report, html_path=html), encoding="utf-8")
    for fig in report.figures:
        fig.save(str(folder / f"{fig.key}.png"))
    return html


def write_attack_report(folder: Path) -> Path:
    """``report.html``/``report.md`` of an ``attack`` run folder."""
    doc = json.loads((folder / "attack.json").read_text(encoding="utf-8"))
    report = Report(f"slotgrab attack — {doc['scenario']} under {doc['policy']}", [], _table([doc]),
                    [search_curve_figure(doc)], attack_conclusions(doc))
    return _write(folder, report, "report")


def write_adaptive_report(folder: Path) -> Path:
    """``adaptive.html``/``adaptive.md`` of a ``compare --adaptive`` folder."""
    docs = json.loads((folder / "adaptive.json").read_text(encoding="utf-8"))["stacks"]
    title = f"slotgrab compare --adaptive — {docs[0]['scenario'] if docs else ''}"
    report = Report(title, [], _table(docs), [adaptive_figure(docs)], adaptive_conclusions(docs))
    return _write(folder, report, "adaptive")
