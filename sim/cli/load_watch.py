"""What watches a ``slotgrab load`` run while it lasts: the live terminal view, Locust's web UI
(``--web-ui``) and the Prometheus exposition (``--prometheus PORT``), all on 127.0.0.1.

:func:`watching` sets them up around the run and yields the progress callback the load driver
calls and the :class:`~sim.drivers.load.live_stats.Watch` it feeds. The addresses of the live
pages are printed on stderr before the run starts (unless quiet), so a script or a person can
open them during the run.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console

from sim.cli.live_view import live_view
from sim.drivers.load.live_stats import LiveStats, Watch
from sim.drivers.load.prometheus import PrometheusServer
from sim.scenario.model import Scenario

__all__ = ["WatchOptions", "prometheus_option", "watching", "web_ui_option", "web_ui_port_option"]


@dataclass(frozen=True)
class WatchOptions:
    """What the user asked to watch the run with."""

    web_ui: bool = False
    web_ui_port: int = 0
    prometheus_port: int | None = None
    show: bool = True  # draw the live view and print the addresses (False: --quiet/--json)


def web_ui_option() -> bool:
    """The ``--web-ui`` flag."""
    value: bool = typer.Option(
        False, "--web-ui", help="Serve Locust's web UI (live charts) for the run on 127.0.0.1."
    )
    return value


def web_ui_port_option() -> int:
    """The ``--web-ui-port`` option."""
    value: int = typer.Option(
        0, "--web-ui-port", min=0, max=65535, help="Port of --web-ui (default: a free one)."
    )
    return value


def prometheus_option() -> int | None:
    """The ``--prometheus PORT`` option."""
    value: int | None = typer.Option(
        None,
        "--prometheus",
        metavar="PORT",
        min=0,
        max=65535,
        help="Serve Prometheus metrics of the run at 127.0.0.1:PORT/metrics while it lasts.",
    )
    return value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agent_count(sc: Scenario) -> int:
    """How many agents a load run of ``sc`` plays (patients, and bot devices × lanes)."""
    return sc.patient_count + sum(c.devices * c.lanes for c in sc.bots)


@contextmanager
def watching(
    sc: Scenario, opts: WatchOptions
) -> Iterator[tuple[Callable[[dict[str, int]], None], Watch]]:
    """The progress callback and the watch of one load run, with its live pages up."""
    stats = LiveStats(slots=sc.capacity, agents=agent_count(sc))
    web_port = (opts.web_ui_port or _free_port()) if opts.web_ui else None
    watch = Watch(stats, web_port)
    err = Console(stderr=True)
    with ExitStack() as stack:
        if web_port is not None:
            stats.urls["web UI"] = f"http://127.0.0.1:{web_port}/"
        if opts.prometheus_port is not None:
            server = stack.enter_context(PrometheusServer(stats, opts.prometheus_port))
            stats.urls["prometheus"] = server.url
        if opts.show:
            for label, url in stats.urls.items():
                err.print(f"{label}: {url}", highlight=False, soft_wrap=True)
        progress = stack.enter_context(live_view(sc.name, stats, err, opts.show))
        yield progress, watch
