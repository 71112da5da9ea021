"""The HTML report: one self-contained file (figures as base64 PNG, inline CSS, no scripts) that
opens offline in any browser."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from typing import Any

from reports.report import Report
from reports.summary import SummaryTable

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
table{border-collapse:collapse;font-size:14px}
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


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="sub">{escape(_subtitle(report))}</p>',
        '<nav><a href="#summary">Summary</a><a href="#figures">Figures</a>'
        '<a href="#scenario">Scenario</a><a href="#metadata">Run metadata</a></nav>',
        _conclusions(report),
        '<h2 id="summary">Summary</h2>',
        '<p class="sub">Mean over replications ± half-width of the 95 % confidence interval.</p>',
        _table(report.summary),
        '<h2 id="figures">Figures</h2>',
        *(
            _figure(f.key, f.title, f.caption, f.png_base64(), f.figure.get_size_inches(), f.figure.dpi)
            for f in report.figures
        ),
        '<h2 id="scenario">Scenario</h2>',
        "<details open><summary>scenario.yaml (resolved)</summary>"
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
        items = "".join(f"<li>{escape(c)}</li>" for c in report.conclusions)
        out.append(f'<div class="box ok"><strong>Conclusions</strong><ul>{items}</ul></div>')
    if report.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in report.problems)
        out.append(f'<div class="box warn"><strong>Incomplete</strong><ul>{items}</ul></div>')
    return "".join(out)


def _table(table: SummaryTable) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'


def _figure(key: str, title: str, caption: str, png_b64: str, size_in: Any, dpi: float) -> str:
    w, h = (round(float(v) * dpi) for v in size_in)
    return (
        f'<figure id="fig-{escape(key)}">'
        f'<img src="data:image/png;base64,{png_b64}" alt="{escape(title)}" '
        f'width="{w}" height="{h}"><figcaption><strong>{escape(title)}.</strong> {escape(caption)}'
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
