"""JUnit XML for CI test reporters: one test case per gate and per regression check.

A failed check is a ``<failure>``; an inconclusive one is ``<skipped>`` with the reason (JUnit has
no "inconclusive", and a skip is what reporters show as neither green nor red).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sim.gates.result import CheckResult

__all__ = ["junit_xml", "write_junit"]


def _case(
    suite: ET.Element, classname: str, name: str, status: str, message: str, detail: str
) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
    if status == "fail":
        ET.SubElement(case, "failure", message=message, type="GateFailed").text = detail
    elif status == "inconclusive":
        ET.SubElement(case, "skipped", message=f"inconclusive: {message}")
    ET.SubElement(case, "system-out").text = detail


def junit_xml(result: CheckResult) -> str:
    """The JUnit XML document of one check."""
    counts = result.counts()
    suites = ET.Element("testsuites", name="slotgrab check")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"slotgrab.check.{result.scenario}.{result.kind}",
        tests=str(sum(counts.values())),
        failures=str(counts["fail"]),
        errors="0",
        skipped=str(counts["inconclusive"]),
        time="0",
    )
    classname = f"slotgrab.{result.scenario}.{result.kind}"
    for g in result.gates:
        shown = (
            "n/a"
            if g.value is None
            else f"{g.value.mean:.6g} [{g.value.ci_low:.6g}, {g.value.ci_high:.6g}]"
        )
        label = g.gate.text + (" (implicit)" if g.implicit else "")
        _case(
            suite,
            f"{classname}.gates",
            label,
            g.status,
            g.reason,
            f"{g.gate.text}: {g.status}; value {shown}; {g.reason}",
        )
    for r in result.regressions:
        _case(
            suite,
            f"{classname}.regressions",
            r.metric,
            r.status,
            r.reason,
            f"baseline {r.baseline:.6g}, current {r.current:.6g}, change {r.change:+.2%}, "
            f"tolerance {r.tolerance:.0%} ({r.direction}); {r.reason}",
        )
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def write_junit(result: CheckResult, path: Path) -> None:
    """Write the JUnit XML file (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result), encoding="utf-8")
