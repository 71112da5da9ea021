"""What an adapter hands the drivers: an HTTP request to send and the answer it maps back.

The reference adapter and the mapping adapter (``sim.drivers.mapping_adapter``) both build on
these, so they live below both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.domain.contract import STATUS_OF

__all__ = ["Answer", "HttpRequest", "TargetError", "code_of_status"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the agent gets from an HTTP answer: a stable code, a body, ``Retry-After`` seconds."""

    code: str
    body: dict[str, Any]
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request: method, path (with query), headers, JSON body, and the stats ``name``.

    ``local``: an answer given without any HTTP call (an op the target does not have, e.g.
    ``confirm`` on a reserve-only API); drivers return it as is. ``context``: whatever the
    adapter wants back in :meth:`TargetAdapter.answer` (its ``request`` argument) — the call's
    args, the slot it picked — so answers need no side table keyed by greenlet."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    name: str = ""
    local: Answer | None = None
    context: dict[str, Any] = field(default_factory=dict)


# The most specific code for each HTTP status, for targets that send no ``code`` field.
_CODE_OF_STATUS: dict[int, str] = {}
for _code, _status in STATUS_OF.items():
    _CODE_OF_STATUS.setdefault(_status, _code)


def code_of_status(status: int) -> str:
    """A stable code for a bare HTTP status (2xx → ok, unknown 5xx → overloaded)."""
    if 200 <= status < 300 and status != 202:
        return "ok"
    if status in _CODE_OF_STATUS:
        return _CODE_OF_STATUS[status]
    if status == 0:
        return "network_error"
    return "overloaded" if status >= 500 else "bad_request"


class TargetError(RuntimeError):
    """The target refused a setup or export step (wrong admin token, no such route, …)."""
