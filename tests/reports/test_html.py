"""The HTML report is one self-contained file; the Markdown summary suits a CI step summary."""

from __future__ import annotations

import re
from pathlib import Path


def test_html_is_self_contained(written: Path) -> None:
    html = written.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]{1000,}"', html)) == 10
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from anywhere
    assert "<script" not in html and "<link" not in html
    assert html.count("<figcaption>") == 10
    figures = written.parent / "figures"  # every figure also as its own files, for slides
    for key in re.findall(r'<figure id="fig-([^"]+)"', html):
        assert (figures / f"{key}.png").read_bytes()[:4] == b"\x89PNG"
        assert (figures / f"{key}.svg").read_text(encoding="utf-8").startswith("<svg")
        assert f'href="figures/{key}.svg"' in html


def test_html_sections(written: Path) -> None:
    html = written.read_text(encoding="utf-8")
    for anchor in ('id="summary"', 'id="figures"', 'id="scenario"', 'id="metadata"'):
        assert anchor in html
    assert "<th>waiting_room</th>" in html and "Bot share of slots" in html
    assert "name: tiny-release" in html  # the resolved scenario
    assert "<details><summary>scenario.yaml" in html  # collapsed by default
    assert html.index('id="conclusion"') < html.index('id="summary"')  # the decision comes first
    assert "&lt;the load driver is not available&gt;" in html  # problems shown, and escaped
    assert "&quot;python&quot;:" in html  # run metadata: versions (escaped JSON)


def test_markdown_summary(written: Path) -> None:
    md = written.with_suffix(".md").read_text(encoding="utf-8")
    assert md.startswith("## slotgrab report — tiny-release")
    assert "| metric | fcfs | waiting_room | fcfs · load run |" in md
    assert re.search(r"^\| Bot share of slots \| [\d.]+ % \([\d.]+–[\d.]+\) \|", md, re.MULTILINE)
    assert md.splitlines()[2].startswith("**Verdict: waiting_room")
    assert "⚠️ load run under lottery" in md
    assert f"Full report: `{written}`" in md
    assert "data:image" not in md
