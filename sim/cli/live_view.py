"""The live terminal view of ``slotgrab load``: the peak as it happens (rich Live).

Shows the countdown to T0 (and the time since), requests/s, p50/p99 latency and the
generator's lag over the last seconds, the mix of answer codes, slots left, the bots' share of
the slots confirmed so far, agents finished, and the addresses of the run's live pages. It is
drawn only on a terminal: in CI logs (stderr not a TTY) or with ``--quiet`` nothing is drawn,
so headless output stays clean.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from sim.drivers.load.live_stats import WINDOW_S, LiveStats, is_failure

__all__ = ["REFRESH_S", "live_view", "render"]

REFRESH_S = 0.25
_TOP_CODES = 6


def _clock(t: float | None) -> str:
    if t is None:
        return "preparing the users (T0 not chosen yet)"
    return f"T−{-t:.1f} s to T0" if t < 0 else f"T+{t:.1f} s"


def _ms(v: float) -> str:
    return "–" if math.isnan(v) else f"{v:,.1f} ms"


def _codes(codes: dict[str, int]) -> str:
    total = sum(codes.values())
    if not total:
        return "–"
    top = sorted(codes.items(), key=lambda kv: -kv[1])[:_TOP_CODES]
    parts = [f"{c}{'!' if is_failure(c) else ''} {n / total:.0%}" for c, n in top]
    return " · ".join(parts)


def render(name: str, snap: dict[str, Any], urls: dict[str, str]) -> RenderableType:
    """One frame of the view for a :meth:`LiveStats.snapshot`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    share = snap["bot_share"]
    rows = (
        ("clock", _clock(snap["t"])),
        ("requests/s", f"{snap['rps']:,.0f}  (last {WINDOW_S:g} s; {snap['requests']:,} in all)"),
        ("latency", f"p50 {_ms(snap['latency_p50_ms'])} · p99 {_ms(snap['latency_p99_ms'])}"),
        ("generator lag", f"p99 {_ms(snap['lag_p99_ms'])} (sent − planned)"),
        ("answers", _codes(snap["codes"]) + ("  (! = failure)" if snap["failures"] else "")),
        ("slots left", f"{snap['slots_left']:,} of {snap['slots']:,}"),
        ("bot share", "–" if math.isnan(share) else f"{share:.1%} of {snap['confirmed']:,} confirmed"),
        ("agents", f"{snap['finished']:,} of {snap['agents']:,} finished"),
    )
    for label, value in rows:
        grid.add_row(label, value)
    for label, url in urls.items():
        grid.add_row(label, url)
    return Group(Text(f"{name} · load run", style="bold cyan"), grid)


@contextmanager
def live_view(
    name: str, stats: LiveStats, console: Console, enabled: bool
) -> Iterator[Callable[[dict[str, int]], None]]:
    """A progress callback for the load run that redraws the view (at most every
    :data:`REFRESH_S`); a no-op when ``enabled`` is false or ``console`` is not a terminal."""
    if not (enabled and console.is_terminal):
        yield lambda _p: None
        return
    last = [0.0]
    with Live(render(name, stats.snapshot(), stats.urls), console=console,
              refresh_per_second=4, transient=False) as live:

        def update(_p: dict[str, int]) -> None:
            if time.monotonic() - last[0] >= REFRESH_S:
                last[0] = time.monotonic()
                live.update(render(name, stats.snapshot(), stats.urls))

        yield update
        live.update(render(name, stats.snapshot(), stats.urls))
