"""``slotgrab report``: turn run directories into one self-contained HTML report.

Any mix of run directories works (``simulate``, ``compare``, ``load``, ``twin``): simulator runs
of two or more policies get the comparison figures, load runs their timing figures, and a load
run beside a simulator run of the same policy a twin figure. The Markdown summary is written
beside the HTML, and appended to ``$GITHUB_STEP_SUMMARY`` when that is set (CI step summary).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from sim.cli.errors import UsageError, user_errors
from sim.cli.progress_bar import progress_bar

__all__ = ["register"]


def report(
    run_dirs: list[Path] = typer.Argument(..., help="Run directories written by slotgrab."),
    out: Path | None = typer.Option(
        None, "--out", help="HTML file to write (default: <first run dir>/report.html)."
    ),
    title: str | None = typer.Option(None, "--title", help="Report title."),
) -> None:
    """Write an HTML report (figures embedded, opens offline) and a Markdown summary."""
    from reports.build import count_figures, write_report  # matplotlib
    from reports.runs import RunDirError  # matplotlib (the reports package)

    with user_errors():
        err = Console(stderr=True)
        try:
            total = count_figures(run_dirs)
            with progress_bar(err) as bar:
                task = bar.add_task("report: figures", total=total)
                path = write_report(
                    run_dirs, out, title=title, echo=None, on_figure=lambda key: bar.advance(task)
                )
        except RunDirError as exc:
            raise UsageError(str(exc)) from None
        _append_step_summary(path.with_suffix(".md"))
        Console().print(f"report: {path}")


def _append_step_summary(markdown: Path) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(markdown.read_text(encoding="utf-8"))


def register(app: typer.Typer) -> None:
    """Add ``report`` to the CLI."""
    app.command("report")(report)
