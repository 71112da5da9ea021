"""``slotgrab serve``: bad flags are one clear error and exit 2 (the server itself is tested in
tests/targets/)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli.app import _register_all, app

_register_all()


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "2"], "needs --db postgresql://"),
    (["--target", "nginx"], "allowed: ['naive', 'reference']"),
    (["--sqlite-sync", "off"], "allowed: normal, full"),
    (["--scenario", "/no/such/file.yaml"], "/no/such/file.yaml"),
])
def test_bad_flags_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "1", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
