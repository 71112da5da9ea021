"""Stopping a load run early, honestly: a target that is not there, one that dies mid-run, Ctrl-C.

- :func:`check_listening` before anything else: a TCP connect to the target's host and port
  (any adapter's service listens there), so a run against nothing fails in a second, not after
  playing the whole horizon into refused connections.
- :class:`ConnectionWatch` during the run: once :data:`DEAD_AFTER_FAILURES` calls in a row
  failed to connect (no answer at all, not a slow one) over at least :data:`DEAD_AFTER_S`
  seconds, the target is taken for dead and the run stops.
- A stopped run keeps what was gathered: the records so far are written, and
  :func:`mark_incomplete` says in ``meta.json`` and ``summary.json`` that the run is
  incomplete and why.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "DEAD_AFTER_FAILURES",
    "DEAD_AFTER_S",
    "INTERRUPTED",
    "ConnectionWatch",
    "TargetDown",
    "check_listening",
    "discard_if_empty",
    "mark_incomplete",
]

DEAD_AFTER_FAILURES = 50  # a live, overloaded target answers 503 or times out; it does not refuse
DEAD_AFTER_S = 2.0
INTERRUPTED = "interrupted (Ctrl-C)"


class TargetDown(RuntimeError):
    """Nothing listens at the target's address."""


def check_listening(base_url: str, timeout_s: float = 3.0) -> None:
    """TargetDown unless a TCP connection to ``base_url``'s host and port opens."""
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise TargetDown(f"nothing answers at {base_url} ({exc.strerror or exc}); is the target running?") from None


class ConnectionWatch:
    """Counts calls in a row that got no connection; ``dead`` once the target looks gone."""

    def __init__(self, failures: int = DEAD_AFTER_FAILURES, span_s: float = DEAD_AFTER_S) -> None:
        self.failures = failures
        self.span_s = span_s
        self.in_a_row = 0
        self.since = 0.0

    def saw(self, code: str) -> bool:
        """Note one call's answer code; True when the target is now taken for dead."""
        if code != "network_error":
            self.in_a_row = 0
            return False
        if self.in_a_row == 0:
            self.since = time.monotonic()
        self.in_a_row += 1
        return self.dead

    @property
    def dead(self) -> bool:
        """Enough failed connections in a row, over long enough, to stop the run."""
        return self.in_a_row >= self.failures and time.monotonic() - self.since >= self.span_s

    def reason(self) -> str:
        """Why the run stopped, for the run folder and the error line."""
        return f"the target stopped answering ({self.in_a_row} connection failures in a row)"


@contextlib.contextmanager
def discard_if_empty(folder: Path) -> Iterator[None]:
    """Remove ``folder`` if what runs inside fails while it is still empty."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only an empty folder: rmdir refuses anything else
        raise


def mark_incomplete(run_folder: Path, reason: str) -> None:
    """Say in ``meta.json`` and ``summary.json`` that the run stopped early, and why."""
    for name in ("meta.json", "summary.json"):
        path = run_folder / name
        if path.exists():
            doc = json.loads(path.read_text(encoding="utf-8"))
            doc["incomplete"] = reason
            path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
