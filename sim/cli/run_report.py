"""The report a command writes into its run folder when it is done (``--report/--no-report``).

``simulate``, ``compare``, ``load`` and ``twin`` call :func:`write_run_report` on the folder they
wrote: it builds ``report.html`` and ``report.md`` there and prints ``report: <path>``.
matplotlib is imported only here, when a report is wanted (``reports`` is the only package that
imports it).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from sim.cli.errors import UsageError

__all__ = ["REPORT_HELP", "report_option", "write_run_report"]

REPORT_HELP = "Write the HTML report (report.html, report.md) into the run folder."


def report_option() -> bool:
    """The ``--report/--no-report`` option (default on), the same in every command."""
    value: bool = typer.Option(True, "--report/--no-report", help=REPORT_HELP)
    return value


def write_run_report(folder: Path, console: Console) -> Path:
    """Write the report of ``folder`` into it and print its path; a folder that is not a
    readable run directory is a :class:`UsageError`."""
    from reports import write_report  # matplotlib
    from reports.runs import RunDirError  # matplotlib (the reports package)

    try:
        return write_report(folder, echo=console.print)
    except RunDirError as exc:
        raise UsageError(f"cannot write the report: {exc}") from None
