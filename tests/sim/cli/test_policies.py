"""``slotgrab policies``: every registered policy listed with parameters and defaults."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from sim.cli import policies
from sim.policies.registry import all_policies


def _app() -> typer.Typer:
    app = typer.Typer()
    policies.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps Typer from collapsing the group
        """Nothing."""

    return app


def test_lists_every_policy_with_its_parameters_and_defaults() -> None:
    result = CliRunner().invoke(_app(), ["policies"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name, cls in all_policies().items():
        assert name in result.output
        for field in cls.Params.model_fields:
            assert field in result.output, f"{name}.{field} missing"
            assert f"{field} = " in result.output
    assert "window_s = 600.0" in result.output  # a default, shown
    assert "[hold]" in result.output  # tuple defaults survive rich markup


def test_one_policy_shows_its_full_description() -> None:
    result = CliRunner().invoke(_app(), ["policies", "lottery"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Semantics" in result.output and "lottery_enter" in result.output
    assert "close_s" in result.output and "300.0" in result.output


def test_unknown_policy_lists_the_allowed_names() -> None:
    result = CliRunner().invoke(_app(), ["policies", "captca"])
    assert result.exit_code == 2
    assert "unknown policy 'captca'" in result.output and "captcha" in result.output
