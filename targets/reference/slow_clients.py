"""Deadlines for slow and idle clients, set in the HTTP protocol (uvicorn has no header timeout).

- **Header timeout** (``Settings.header_timeout_s``, default 10 s): once the first byte of a
  request has arrived, its headers must be complete within this, or the connection is closed.
  Without it 2,000 connections sending headers a byte at a time were all kept.
- **Idle timeout** (``Settings.keep_alive_s``, default 120 s, uvicorn's ``timeout_keep_alive``):
  a connection with no request in progress — fresh, or kept alive after an answer — is closed
  after this. uvicorn's 5 s default dropped load clients that open their connections before T0
  (warm-up) and wait for it; 120 s covers the load driver's lead time and the longest
  ``retry_after`` waits, and bounds what an idle connection can hold.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from targets.reference.settings import ENV_VAR, Settings

__all__ = ["GuardedHttpToolsProtocol", "header_timeout_s"]

_DEFAULT_HEADER_TIMEOUT_S = 10.0


@functools.lru_cache(maxsize=1)
def header_timeout_s() -> float:
    """This process's header timeout (from ``SLOTGRAB_SETTINGS``; workers are new processes)."""
    return Settings.from_env().header_timeout_s if os.environ.get(ENV_VAR) else _DEFAULT_HEADER_TIMEOUT_S


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline and an idle deadline from the start."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = header_timeout_s()
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms the idle timer only after a first answer; a silent fresh connection gets it too
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
