"""Fixtures of the CLI tests: the app with every command registered, and the small, short
release burst the Locust-driven commands play."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_kit import write_burst
from typer.testing import CliRunner

from sim.cli.app import _register_all, app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    """A CliRunner for ``sim.cli.app.app``, every command registered."""
    if not app.registered_commands:
        _register_all()
    return CliRunner()


@pytest.fixture
def burst_file(tmp_path: Path) -> Path:
    """60 patients and a small bot crew in a burst of a few seconds, as a scenario file."""
    return write_burst(tmp_path, name="cli-burst", patients=60, after_s=4)
