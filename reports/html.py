"""The HTML report: one self-contained file (figures as inline SVG data, inline CSS, no scripts)
that opens offline in any browser. Each figure links to its own PNG and SVG file in the run
folder (for slides, and to zoom on a phone)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from typing import Any

from reports.figure import ReportFigure
from reports.report import Report
from reports.summary import TABLE_NOTE, UNDEFINED_NOTE, SummaryTable

__all__ = ["render_html"]

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:#1a1a1a;background:#f6f6f4}
main{max-width:1180px;margin:0 auto;padding:24px 20px 60px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:separate;border-spacing:0;font-size:14px}
table.summary th:first-child,table.summary td:first-child{position:sticky;left:0;z-index:1;
  background:#fff;width:12em;min-width:12em;max-width:12em;white-space:normal}
table.summary .base{position:sticky;left:12em;z-index:1;background:#f4f6fb}
table.summary thead th{white-space:normal;min-width:7em}
.note{color:#555;font-size:13px}
.verdict{font-size:16px}
figure a.files{font-size:13px;margin-left:6px}
.frame{max-width:100%}
.swipe{display:none;color:#555;font-size:13px}
@media (max-width:600px){main{padding:12px 10px 40px}h1{font-size:21px}
  table.summary th:first-child,table.summary td:first-child{width:8.5em;min-width:8.5em;max-width:8.5em}
  table.summary .base{left:8.5em}
  .frame{overflow-x:auto}
  figure .frame img{max-width:none;width:720px;height:auto}
  .swipe{display:inline}}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0ee}
figure{margin:22px 0;max-width:100%}
figure img{display:block;max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#333;margin-top:6px}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:10px;font-size:12.5px;
  white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}
.box{padding:10px 14px;border-radius:4px;margin:12px 0}
.ok{background:#eef7ee;border:1px solid #b9dcb9}.warn{background:#fff4e5;border:1px solid #f0c17a}
ul{margin:4px 0 4px 20px;padding:0}
td.k{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
td.v{text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;white-space:normal;
  overflow-wrap:anywhere}
nav a{margin-right:14px}
"""


_NO_SCENARIO = "(these run folders hold no scenario.yaml)"


def render_html(report: Report, *, figures_dir: str | None = None) -> str:
    """The whole report as one HTML document; ``figures_dir`` (relative to the report) holds
    each figure's own PNG and SVG file, linked from its caption."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="sub">{escape(_subtitle(report))}</p>',
        _conclusions(report),
        '<nav><a href="#summary">Summary</a><a href="#figures">Figures</a>'
        '<a href="#scenario">Scenario</a><a href="#metadata">Run metadata</a></nav>',
        '<h2 id="summary">Summary</h2>',
        f'<p class="sub">{escape(TABLE_NOTE)}</p>',
        _table(report.summary),
        f'<p class="note">{escape(UNDEFINED_NOTE)}</p>' if _has_undefined(report.summary) else "",
        '<h2 id="figures">Figures</h2>',
        *(_figure(f, figures_dir) for f in report.figures),
        '<h2 id="scenario">Scenario</h2>',
        "<details><summary>scenario.yaml (resolved; click to open)</summary>"
        f"<pre>{escape(report.scenario_text or _NO_SCENARIO)}</pre></details>",
        '<h2 id="metadata">Run metadata</h2>',
        *(_meta(label, meta) for label, meta in report.metadata()),
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _subtitle(report: Report) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kinds = ", ".join(r.label for r in report.runs)
    return f"Generated {when} from {kinds}."


def _conclusions(report: Report) -> str:
    out = []
    if report.conclusions:
        first, *rest = report.conclusions
        items = "".join(f"<li>{escape(c)}</li>" for c in rest)
        out.append(
            f'<div class="box ok" id="conclusion"><p class="verdict"><strong>{escape(first)}</strong></p>'
            + (f"<ul>{items}</ul>" if rest else "")
            + "</div>"
        )
    if report.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in report.problems)
        out.append(f'<div class="box warn"><strong>Incomplete</strong><ul>{items}</ul></div>')
    return "".join(out)


def _has_undefined(table: SummaryTable) -> bool:
    return any(c == "—" for row in table.rows for c in row[1:])


def _table(table: SummaryTable) -> str:
    base = {i for i, c in enumerate(table.columns) if i > 0 and c.split("(")[0] == "fcfs"}
    cls = lambda i: ' class="base"' if i in base else ""  # noqa: E731
    head = "".join(f"<th{cls(i)}>{escape(c)}</th>" for i, c in enumerate(table.columns))
    rows = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in table.rows
    )
    table_html = f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return f'<div class="scroll">{table_html}</div>'


def _figure(fig: ReportFigure, figures_dir: str | None) -> str:
    w, h = (round(float(v) * fig.figure.dpi) for v in fig.figure.get_size_inches())
    files = ""
    if figures_dir is not None:
        stem = f"{figures_dir}/{fig.file_stem}"
        files = f'<a class="files" href="{escape(stem)}.svg">SVG</a><a class="files" href="{escape(stem)}.png">PNG</a>'
    return (
        f'<figure id="fig-{escape(fig.key)}"><div class="frame">'
        f'<img src="data:image/svg+xml;base64,{fig.svg_base64()}" alt="{escape(fig.title)}" '
        f'width="{w}" height="{h}"></div><figcaption><strong>{escape(fig.title)}.</strong> {escape(fig.caption)}'
        f'{files} <span class="swipe">(narrow screen: swipe the figure sideways, or open its SVG)</span>'
        "</figcaption></figure>"
    )


def _meta(label: str, meta: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td class="k">{escape(str(k))}</td><td class="v">{escape(_value(v))}</td></tr>' for k, v in meta.items()
    )
    return f'<h3>{escape(label)}</h3><div class="scroll"><table>{rows}</table></div>'


def _value(v: Any) -> str:
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)
