"""What a rendered report shows, built by :mod:`reports.build` and rendered by
:mod:`reports.html` and :mod:`reports.markdown` (a module of its own so the renderers need not
import the builder that calls them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reports.figure import ReportFigure
from reports.runs import Run
from reports.summary import SummaryTable

__all__ = ["Report"]


@dataclass
class Report:
    """Everything a rendered report shows."""

    title: str
    runs: list[Run]
    summary: SummaryTable
    figures: list[ReportFigure]
    conclusions: list[str]
    problems: list[str] = field(default_factory=list)
    best: str | None = None

    @property
    def scenario_text(self) -> str:
        """The resolved scenario of the first run (all runs of one report share it)."""
        return next((r.scenario_text for r in self.runs if r.scenario_text), "")

    def metadata(self) -> list[tuple[str, dict[str, Any]]]:
        """(run label, meta.json) of every run, composite runs' parts included."""
        return [(r.label, r.meta) for run in self.runs for r in (run, *run.children)]
