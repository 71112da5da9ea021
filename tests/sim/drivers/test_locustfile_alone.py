"""``locust -f sim/drivers/load/locustfile.py`` on its own refuses in one line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LOCUSTFILE = Path(__file__).parents[3] / "sim" / "drivers" / "load" / "locustfile.py"


@pytest.mark.parametrize("mode", [["--headless", "-t", "2s"], ["--master"]])
def test_plain_locust_refuses_with_one_line_saying_how(tmp_path: Path, mode: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *mode],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "AttributeError" not in r.stderr
    ours = [ln for ln in r.stderr.splitlines() if ln.startswith("slotgrab:")]
    assert len(ours) == 1 and "slotgrab load" in ours[0]
