"""What each route can answer, for the OpenAPI document (``GET /openapi.json``).

Every answer is a JSON object with a stable ``code`` (:mod:`targets.reference.errors`); the
statuses a route lists here are all it can return, so a client generated from the document
(or schemathesis, ``tests/targets/reference/test_reference_openapi.py``) sees no surprise.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ACCOUNT", "ADMIN", "ANY_OP", "Answer", "responses"]


class Answer(BaseModel):
    """An answer: ``code`` (``sim.agents.actions.STATUS_OF``), ``message`` on errors, and the
    operation's or policy's own fields (a hold, a CAPTCHA challenge, ``retry_after`` …)."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="stable answer code; the HTTP status is STATUS_OF[code]")
    message: str | None = Field(None, description="human-readable reason (errors)")
    retry_after: float | None = Field(None, description="seconds; also in the Retry-After header")


_WHAT = {
    200: "ok", 202: "queued (lottery entry, waiting-room ticket, waitlist)",
    400: "bad_request: malformed JSON, body over the limit, unknown operation",
    401: "unauthorized: missing, bad or expired token; wrong password; not the admin token",
    403: "forbidden / blocked / frozen / referral_required: person not yours, policy ban",
    404: "not_found: unknown session or department, a hold that is not yours",
    409: "sold_out / conflict / rule_violation / lottery",
    410: "expired: the hold expired or was cancelled",
    422: "invalid: the body, path or query fails validation (field named in message)",
    425: "not_released: the session has not opened yet",
    428: "captcha_required / captcha_failed / waiting_room: a challenge or admission first",
    429: "rate_limited (retry_after)",
    503: "overloaded: no scenario loaded, database busy",
}

ANY_OP = (200, 202, 400, 401, 403, 404, 409, 410, 422, 425, 428, 429, 503)  # a booking operation
ACCOUNT = (200, 400, 401, 409, 422)  # identity routes
ADMIN = (200, 400, 401, 422)


def responses(statuses: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` for these statuses, each with the :class:`Answer` body."""
    return {s: {"model": Answer, "description": _WHAT[s]} for s in statuses}
