"""The report a command writes into its run folder: its path is printed, and a folder that is
not a run directory is one clear usage error."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from sim.cli.errors import UsageError
from sim.cli.run_report import write_run_report


def test_a_folder_that_is_not_a_run_directory_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text('{"kind": "mystery"}')
    with pytest.raises(UsageError, match=r"cannot write the report: .*meta\.json.*'mystery'.*allowed"):
        write_run_report(tmp_path, Console())
    assert not (tmp_path / "report.html").exists()
