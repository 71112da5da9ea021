"""The release timeline: what happens around T0, second by second, in one run.

Four panels sharing the time axis (seconds relative to the release instant T0):
slots still free and slots confirmed (patients vs bots); requests reaching the service per
second, patients vs bots; the service's answers per second (answered, rejected with 503, timed
out); and the service's backlog (requests waiting for a worker — simulator runs only, a load
run cannot see inside the target).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes

from reports.figure import ReportFigure, new_figure, no_data
from reports.tables import Tables, bot_persons, column, kind_of_agents

__all__ = ["Window", "backlog_peaks", "choose_window", "confirmed_over_time", "timeline_figure"]

_NICE_BINS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
PATIENT, BOT = "#1f77b4", "#d62728"
REJECTED, TIMEOUT, ANSWERED = "#ff7f0e", "#9467bd", "#2ca02c"


@dataclass(frozen=True)
class Window:
    """The time span shown and the bin width for rates, seconds relative to T0."""

    start: float
    end: float
    bin_s: float

    @property
    def edges(self) -> np.ndarray:
        """Bin edges covering the window."""
        n = max(1, int(np.ceil((self.end - self.start) / self.bin_s)))
        return self.start + self.bin_s * np.arange(n + 1)


def choose_window(requests: pa.Table, *, bins: int = 150) -> Window:
    """Where the action is: from just before the first requests (at most 30 s before T0) to
    when 95 % of all requests had been sent (at least 20 s after T0), with ~``bins`` bins."""
    sent = column(requests, "t_sent", float) if requests.num_rows else np.array([0.0])
    start = max(float(np.quantile(sent, 0.005)) - 1.0, -30.0)
    start = min(start, -2.0)
    end = min(max(float(np.quantile(sent, 0.95)), 20.0), float(sent.max()) + 1.0)  # short runs
    end = max(end, 1.0)
    span = end - start
    bin_s = next((b for b in _NICE_BINS if span / b <= bins), _NICE_BINS[-1])
    return Window(np.floor(start / bin_s) * bin_s, end, bin_s)


def timeline_figure(
    tables: Tables,
    *,
    title: str = "Release timeline",
    release_clock: str = "07:00",
    backlog_limit: int | None = None,
    window: Window | None = None,
) -> ReportFigure:
    """The release timeline of one run (one policy, one replication)."""
    requests = tables["requests"]
    win = window or choose_window(requests)
    fig = new_figure(title, 9.0)
    axes = fig.subplots(4, 1, sharex=True)
    _slots_panel(axes[0], tables, win)
    _arrivals_panel(axes[1], tables, win)
    _answers_panel(axes[2], requests, win)
    _backlog_panel(axes[3], requests, win, backlog_limit)
    for ax in axes:
        ax.axvline(
            0.0,
            color="black",
            linestyle="--",
            linewidth=1.0,
            label=f"T0 (release, {release_clock})",
        )
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
        ax.grid(alpha=0.3)
        ax.set_xlim(win.start, win.end)
    axes[-1].set_xlabel("time relative to release T0 (s)")
    caption = (
        f"Slots, traffic and service state around the release, in {win.bin_s:g} s bins; "
        "the dashed line is the release instant T0."
    )
    return ReportFigure("timeline", title, caption, fig)


def _slots_panel(ax: Axes, tables: Tables, win: Window) -> None:
    ev = tables["bookings"]
    t = column(ev, "t", float)
    kind = column(ev, "event")
    count = column(ev, "count", int)
    order = np.argsort(t, kind="stable")
    delta = np.where(np.isin(kind, ("release", "return")), count, 0) - np.where(kind == "hold", count, 0)
    free = np.cumsum(delta[order])
    times = np.concatenate(([win.start], t[order], [win.end]))
    ax.step(
        times,
        np.concatenate(([0], free, [free[-1] if len(free) else 0])),
        where="post",
        color="black",
        label="slots free",
    )
    bots = bot_persons(tables["identities"]) if "identities" in tables else set()
    for who, colour in (("patients", PATIENT), ("bots", BOT)):
        ct, cn = confirmed_over_time(ev, bots, want_bot=(who == "bots"))
        ax.step(
            np.concatenate(([win.start], ct, [win.end])),
            np.concatenate(([0], cn, [cn[-1] if len(cn) else 0])),
            where="post",
            color=colour,
            label=f"slots confirmed by {who}",
        )
    ax.set_ylabel("slots")
    ax.set_title("Slots free and confirmed", fontsize=10, loc="left")
    _zoom_on_sellout(ax, t[order], free, win)


def _zoom_on_sellout(ax: Axes, t: np.ndarray, free: np.ndarray, win: Window) -> None:
    """Release peaks sell out within a second or two: an inset shows those seconds legibly."""
    sold_out = t[(t >= 0) & (free == 0)]
    if not len(free) or free.max() == 0 or not len(sold_out):
        return
    span = float(sold_out[0])
    if span > 0.08 * (win.end - win.start):
        return
    hi = max(3 * span, 1.0)
    inset = ax.inset_axes((0.06, 0.3, 0.32, 0.6))
    for line in ax.get_lines():
        inset.step(line.get_xdata(), line.get_ydata(), where="post", color=line.get_color())
    inset.axvline(0.0, color="black", linestyle="--", linewidth=1.0)
    inset.set_xlim(-0.1 * hi, hi)
    inset.set_title(f"zoom: first {hi:.2g} s after T0", fontsize=8)
    inset.tick_params(labelsize=7)
    inset.set_xlabel("s", fontsize=7, labelpad=0)
    inset.grid(alpha=0.3)


def confirmed_over_time(ev: pa.Table, bots: set[int], *, want_bot: bool) -> tuple[np.ndarray, np.ndarray]:
    """Net confirmed bookings (confirms minus cancels of confirmed holds) of one side, over time."""
    t = column(ev, "t", float)
    kind = column(ev, "event")
    hold = column(ev, "hold_id", int)
    person = column(ev, "person", int)
    confirmed: set[int] = set()
    times, values, n = [], [], 0
    for i in np.argsort(t, kind="stable"):
        if (int(person[i]) in bots) != want_bot:
            continue
        if kind[i] == "confirm" and hold[i] not in confirmed:
            confirmed.add(int(hold[i]))
            n += 1
        elif kind[i] == "cancel" and hold[i] in confirmed:
            confirmed.discard(int(hold[i]))
            n -= 1
        else:
            continue
        times.append(t[i])
        values.append(n)
    return np.asarray(times, float), np.asarray(values, int)


def _when(requests: pa.Table) -> np.ndarray:
    """When each request reached the service (simulator) or was sent (load run: not observable)."""
    arrive = column(requests, "t_arrive", float)
    return np.where(np.isnan(arrive), column(requests, "t_sent", float), arrive)


def _rate(times: np.ndarray, win: Window) -> tuple[np.ndarray, np.ndarray]:
    counts, edges = np.histogram(times, bins=win.edges)
    return edges[:-1], counts / win.bin_s


def _arrivals_panel(ax: Axes, tables: Tables, win: Window) -> None:
    req = tables["requests"]
    kinds = kind_of_agents(tables["agents"])
    agent = column(req, "agent", int)
    is_bot = np.fromiter((kinds.get(int(a)) == "bot" for a in agent), bool, len(agent))
    when = _when(req)
    for mask, label, colour in ((~is_bot, "patients", PATIENT), (is_bot, "bots", BOT)):
        x, y = _rate(when[mask], win)
        ax.step(x, y, where="post", color=colour, label=f"requests from {label}")
    ax.set_ylabel("requests/s")
    ax.set_title("Requests reaching the service", fontsize=10, loc="left")


def _answers_panel(ax: Axes, requests: pa.Table, win: Window) -> None:
    code = column(requests, "code")
    when = _when(requests)
    rejected = code == "overloaded"
    timeout = code == "timeout"
    for mask, label, colour in (
        (~(rejected | timeout), "answered", ANSWERED),
        (rejected, "rejected (503 overloaded)", REJECTED),
        (timeout, "timed out (client gave up)", TIMEOUT),
    ):
        x, y = _rate(when[mask], win)
        ax.step(x, y, where="post", color=colour, label=label)
    ax.set_ylabel("requests/s")
    ax.set_title("Service answers, rejections and timeouts", fontsize=10, loc="left")


def backlog_peaks(arrive: np.ndarray, start: np.ndarray, win: Window) -> tuple[np.ndarray, np.ndarray]:
    """The highest number of requests waiting (arrived, not yet started) within each bin.

    Exact, event by event: a backlog that builds and drains inside one bin still shows."""
    times = np.concatenate((arrive, start))
    steps = np.concatenate((np.ones(len(arrive), np.int64), -np.ones(len(start), np.int64)))
    order = np.lexsort((-steps, times))  # at equal times count the arrival first: a peak, not a dip
    times, level = times[order], np.cumsum(steps[order])
    edges = win.edges
    bounds = np.searchsorted(times, edges, side="left")
    peaks = np.zeros(len(edges) - 1, dtype=np.int64)
    for b in range(len(edges) - 1):
        carried = level[bounds[b] - 1] if bounds[b] > 0 else 0
        inside = level[bounds[b] : bounds[b + 1]]
        peaks[b] = max(int(carried), int(inside.max()) if len(inside) else 0)
    return edges[:-1], peaks


def _backlog_panel(ax: Axes, requests: pa.Table, win: Window, limit: int | None) -> None:
    arrive = column(requests, "t_arrive", float)
    start = column(requests, "t_start", float)
    waited = ~np.isnan(arrive) & ~np.isnan(start)
    if not waited.any():
        no_data(ax, "backlog not observable in a load run (the queue is inside the target)")
        ax.set_ylabel("requests waiting")
        return
    x, peak = backlog_peaks(arrive[waited], start[waited], win)
    ax.step(x, peak, where="post", color="#8c564b", label="requests waiting for a worker (peak per bin)")
    if limit is not None:
        ax.axhline(limit, color=REJECTED, linestyle=":", label=f"backlog limit ({limit}); beyond it: 503")
    ax.set_ylabel("requests waiting")
    ax.set_title("Service backlog", fontsize=10, loc="left")
