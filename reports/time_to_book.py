"""Time to book: the distribution, per policy, of how long a successful patient needed.

Time to book runs from the patient's arrival to the end of their run with a confirmed booking
(``outcomes.t_end`` of a ``booked`` patient minus ``agents.arrival``), pooled over the
replications given. Lottery and waiting-room policies trade a longer wait for fairness; this
figure shows how much longer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from reports.comparison import wrap_label
from reports.figure import ReportFigure, new_figure, no_data
from reports.palette import PolicyColours
from reports.tables import Tables, column

__all__ = ["time_to_book_figure", "times_to_book"]


def times_to_book(tables: Tables) -> np.ndarray:
    """Seconds from arrival to a confirmed booking, one value per successful patient (tables
    may stack several replications: agents are matched within their replication)."""
    agents, outcomes = tables["agents"], tables["outcomes"]
    a_key = _keys(agents)
    arrival = dict(zip(a_key, column(agents, "arrival", float).tolist(), strict=True))
    kind = dict(zip(a_key, column(agents, "kind").tolist(), strict=True))
    status = column(outcomes, "status")
    t_end = column(outcomes, "t_end", float)
    out = [
        t_end[i] - arrival[k]
        for i, k in enumerate(_keys(outcomes))
        if status[i] == "booked" and kind.get(k) == "patient"
    ]
    return np.sort(np.asarray(out, dtype=np.float64))


def _keys(table: pa.Table) -> list[tuple[int, int]]:
    """(replication, agent) per row; agent ids restart in every replication."""
    agent = column(table, "agent").tolist()
    rep = column(table, "rep").tolist() if "rep" in table.column_names else [0] * len(agent)
    return list(zip(rep, agent, strict=True))


def time_to_book_figure(
    runs: Mapping[str, Tables], colours: PolicyColours | None = None, *, title: str = "Time to book"
) -> ReportFigure:
    """Empirical CDF of time to book, one line per policy (``runs``: policy → its tables)."""
    colours = colours or PolicyColours(runs)
    fig = new_figure(title, 4.5)
    ax = fig.subplots(1, 1)
    drawn = 0
    for policy, tables in runs.items():
        ttb = times_to_book(tables)
        if not len(ttb):
            continue
        y = np.arange(1, len(ttb) + 1) / len(ttb) * 100
        x = np.maximum(ttb, 1e-2)
        ax.step(
            np.concatenate(([x[0]], x)),
            np.concatenate(([0.0], y)),
            where="post",
            color=colours[policy],
            linewidth=1.8,
            label=f"{wrap_label(policy)} (n = {len(ttb)}, median {np.median(ttb):.3g} s)",
        )
        drawn += 1
    if not drawn:
        no_data(ax, "no patient booked in these runs")
    else:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())  # "3×10¹" labels between 20 and 50 only confuse
        ax.set_ylim(0, 100)
        ax.legend(fontsize=8, loc="lower right", title="policy (successful patients)", title_fontsize=8)
        ax.grid(alpha=0.3, which="both")
    ax.set_xlabel("time from arrival to confirmed booking (s, log scale)")
    ax.set_ylabel("successful patients booked by then (%)")
    caption = (
        "Cumulative share of successful patients who had their confirmed slot within a given "
        "time of arriving; further left = faster."
    )
    return ReportFigure("time_to_book", title, caption, fig)
