"""``slotgrab calibrate`` against the reference service writes a service block the scenario
loader accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_kit import run_slotgrab

from sim.drivers.load.calibration import fit_lognormal
from sim.scenario import load_scenario


def test_fit_lognormal_takes_median_p95_and_floor() -> None:
    fit = fit_lognormal([1.0, 2.0, 3.0, 4.0, 100.0])
    assert fit["dist"] == "lognormal"
    assert fit["median"] == 3.0 and fit["floor"] == 1.0
    assert 4.0 < fit["p95"] <= 100.0


@pytest.mark.slow
def test_calibrate_writes_a_service_block_the_simulator_uses(tmp_path: Path) -> None:
    out = tmp_path / "service.yaml"
    r = run_slotgrab("calibrate", "--samples", "20", "--out", str(out), timeout=120)
    assert r.returncode == 0, r.stderr
    block = yaml.safe_load(out.read_text())["service"]
    assert set(block["service_ms"]) == {"list_sessions", "hold", "confirm", "cancel"}
    assert all(0 < d["floor"] <= d["median"] <= d["p95"] for d in block["service_ms"].values())
    sc_file = tmp_path / "sc.yaml"
    sc_file.write_text(
        yaml.safe_dump(
            {
                "name": "calibrated",
                "supply": {"departments": [{"id": "d", "sessions": [{"id": "s", "capacity": 1}]}]},
                "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
                "service": block,
            }
        )
    )
    sc = load_scenario(sc_file)
    assert sc.service.service_dist("hold").median == block["service_ms"]["hold"]["median"]
