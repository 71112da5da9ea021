"""One report figure: a matplotlib figure with its title and a one-line caption.

Figures are built with matplotlib's object API on the Agg canvas (no pyplot, no global backend
switch), so building one has no side effect on the process and works without a display.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["DPI", "FIGURES_DIR", "ReportFigure", "new_figure", "no_data"]

FIGURES_DIR = "figures"  # beside report.html: every figure as its own PNG and SVG, for slides

DPI = 110
WIDTH_IN = 10.0  # ≈ 1100 px at DPI: fits the report's 1140 px column without scaling up


@dataclass
class ReportFigure:
    """A built figure: ``key`` (stable id), ``title``, ``caption`` (one line) and the figure."""

    key: str
    title: str
    caption: str
    figure: Figure

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        FigureCanvasAgg(self.figure)
        self.figure.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    def png_base64(self) -> str:
        """The PNG as base64 text, for a ``data:`` URI."""
        return base64.b64encode(self.png()).decode("ascii")

    def svg(self) -> str:
        """The figure as SVG text (real text elements, ids salted with the key so that several
        figures never share an id)."""
        buf = io.StringIO()
        FigureCanvasAgg(self.figure)
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": self.key}):
            self.figure.savefig(buf, format="svg")
        text = buf.getvalue()
        return text[text.index("<svg") :]

    def svg_base64(self) -> str:
        """The SVG as base64 text, for a ``data:`` URI."""
        return base64.b64encode(self.svg().encode("utf-8")).decode("ascii")

    @property
    def file_stem(self) -> str:
        """The key as a file name (keys hold policy labels with ``(``, ``=``, ``,``)."""
        return re.sub(r"[^A-Za-z0-9._+-]", "_", self.key)

    def save(self, path: str) -> None:
        """Write the PNG to ``path``."""
        with open(path, "wb") as fh:
            fh.write(self.png())

    def save_files(self, folder: Path) -> tuple[Path, Path]:
        """Write ``<key>.png`` and ``<key>.svg`` into ``folder`` (for slides); their paths."""
        folder.mkdir(parents=True, exist_ok=True)
        png, svg = folder / f"{self.file_stem}.png", folder / f"{self.file_stem}.svg"
        png.write_bytes(self.png())
        svg.write_text(self.svg(), encoding="utf-8")
        return png, svg


def new_figure(title: str, height_in: float, *, width_in: float = WIDTH_IN) -> Figure:
    """An empty figure with the report's size, layout engine and suptitle."""
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig


def no_data(ax: Axes, why: str) -> None:
    """Mark an axes as empty on purpose, saying why (a blank panel would look like a bug)."""
    ax.text(
        0.5,
        0.5,
        why,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="#666666",
        wrap=True,
    )
    ax.set_yticks([])
    if len(ax.get_shared_x_axes().get_siblings(ax)) == 1:  # a shared time axis stays for the others
        ax.set_xticks([])
