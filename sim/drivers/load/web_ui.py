"""Locust's own web UI for a load run (``slotgrab load --web-ui``), on 127.0.0.1 only.

The page shows Locust's live charts (requests/s, response times, users) and its statistics
tables, fed by the requests the agents send: with a web UI watching, each user fires Locust's
request event for every answer (locally or in the workers), which it skips otherwise — the
run's own records keep every request either way. It watches: the run is started and stopped
by slotgrab, not by the page's buttons.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from locust.env import Environment

__all__ = ["WEB_UI_HOST", "start_web_ui", "stop_web_ui"]

WEB_UI_HOST = "127.0.0.1"  # never another interface: the page can stop the run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((WEB_UI_HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def _locust_argv() -> Iterator[None]:
    """Let Locust parse an empty command line: its page lists "extra" options by parsing
    ``sys.argv`` as Locust's own, and exits on slotgrab's (no greenlet switch happens inside)."""
    argv = sys.argv
    sys.argv = argv[:1]
    try:
        yield
    finally:
        sys.argv = argv


def _with_locust_argv(fn: Callable[[], None]) -> Callable[[], None]:
    def wrapped() -> None:
        with _locust_argv():
            fn()

    return wrapped


def start_web_ui(env: Environment, port: int) -> str:
    """Serve Locust's web UI for ``env`` on ``port`` (0: a free one); return its URL."""
    port = port or _free_port()
    with _locust_argv():
        web_ui = env.create_web_ui(host=WEB_UI_HOST, port=port)
    web_ui.update_template_args = _with_locust_argv(web_ui.update_template_args)  # type: ignore[method-assign]
    return f"http://{WEB_UI_HOST}:{port}/"


def stop_web_ui(env: Environment) -> None:
    """Stop the page started by :func:`start_web_ui` (nothing if none was)."""
    web_ui: Any = env.web_ui
    if web_ui is not None and web_ui.server is not None:
        web_ui.stop()
