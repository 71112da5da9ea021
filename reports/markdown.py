"""The Markdown summary of a report, for a CI step summary (``$GITHUB_STEP_SUMMARY``).

Text only (step summaries do not show embedded images): title, conclusions, the summary table,
the figure captions and where the full HTML report is.
"""

from __future__ import annotations

from pathlib import Path

from reports.figure import FIGURES_DIR
from reports.report import Report
from reports.summary import TABLE_NOTE, UNDEFINED_NOTE

__all__ = ["render_markdown"]


def render_markdown(report: Report, *, html_path: Path | None = None) -> str:
    """The report as GitHub-flavoured Markdown."""
    lines = [f"## {report.title}", ""]
    if report.conclusions:
        first, *rest = report.conclusions
        lines += [f"**{first}**", ""]
        lines += [f"- {c}" for c in rest]
    lines += [f"- ⚠️ {p}" for p in report.problems]
    if report.conclusions or report.problems:
        lines.append("")
    cols = report.summary.columns
    lines.append("| " + " | ".join(_cell(c) for c in cols) + " |")
    lines.append("|" + "---|" + "---:|" * (len(cols) - 1))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in report.summary.rows]
    lines += ["", TABLE_NOTE, ""]
    if any(c == "—" for row in report.summary.rows for c in row[1:]):
        lines += [UNDEFINED_NOTE, ""]
    if report.figures:
        lines.append("<details><summary>Figures in the HTML report</summary>")
        lines.append("")
        lines += [
            f"- **{f.title}.** {f.caption} (`{FIGURES_DIR}/{f.file_stem}.png`, `.svg`)" for f in report.figures
        ]
        lines += ["", "</details>", ""]
    if html_path is not None:
        lines.append(f"Full report: `{html_path}`")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
