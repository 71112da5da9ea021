"""Reports: figures, a self-contained HTML report and a Markdown summary of slotgrab runs.

The only package of the project that imports matplotlib. Figure functions take plain tables
and dicts (never paths), so they work for any run kind; :mod:`reports.runs` loads a run
directory into those inputs and :mod:`reports.build` picks the figures for each run kind.

Other commands call :func:`write_report` to write their report and print its path.
"""

from __future__ import annotations

from reports.build import build_report, write_report

__all__ = ["build_report", "write_report"]
