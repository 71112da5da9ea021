"""The HTML report as a browser shows it: headless Chromium loads every figure, and nothing is
wider than the window, on a desktop and on a narrow window."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Appended to a copy of the report (the report itself has no script): after load, write what
# the browser measured into the DOM, which --dump-dom prints.
PROBE = """<script>
window.addEventListener('load', () => {
  const root = document.documentElement;
  const imgs = [...document.images];
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({
    images: imgs.length,
    loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
    widest: Math.max(...[...document.body.querySelectorAll('main > *')].map(
      e => e.getBoundingClientRect().right)),
    frameRight: Math.max(...[...document.querySelectorAll('figure .frame')].map(
      e => e.getBoundingClientRect().right)),
    minScale: Math.min(...imgs.map(i => i.getBoundingClientRect().width / i.naturalWidth)),
    baseRight: Math.max(...[...document.querySelectorAll('table.summary .base')].map(
      e => e.getBoundingClientRect().right)),
    metricWrapped: [...document.querySelectorAll('table.summary td:first-child')].every(
      e => e.scrollWidth <= e.clientWidth + 1),
    scenarioOpen: document.querySelector('#scenario + details').open,
  });
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report(written: Path) -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package 'chromium'; .ci/system-packages.sh)")
    out = written
    probe = out.with_name("probe.html")
    probe.write_text(out.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return probe


def measure(page: Path, width: int, profile: Path) -> dict[str, float]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={width},900",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="probe">([^<]*)</pre>', done.stdout)
    assert found, f"chromium printed no probe (exit {done.returncode}): {done.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize("width", [1280, 760, 420])
def test_every_figure_loads_and_nothing_overflows(report: Path, width: int, tmp_path: Path) -> None:
    m = measure(report, width, tmp_path / "profile")
    assert m["images"] == 10
    assert m["loaded"] == m["images"]  # every SVG figure decodes
    assert m["scrollWidth"] <= m["clientWidth"]
    assert m["widest"] <= m["clientWidth"]
    assert m["frameRight"] <= m["clientWidth"]  # every figure's box fits the window
    # and its text stays legible: drawn at ≥ 60 % of its size (9 pt labels ≥ 8 px); a narrow
    # window scrolls the figure sideways inside its box rather than shrinking it to specks
    assert m["minScale"] >= 0.6
    assert m["baseRight"] <= m["clientWidth"]  # the FCFS column stays in view (sticky)
    assert m["metricWrapped"]  # metric names wrap inside their column, none cut
    assert m["scenarioOpen"] is False  # the resolved scenario is collapsed by default
