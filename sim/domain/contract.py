"""The booking contract's vocabulary: the operations every target implements and the stable
response codes with their HTTP status.

It sits at the bottom of the layers because everyone speaks it: agents read the codes, the
service and the policies answer with them, the HTTP targets map them to statuses, the metrics
classify them (``targets/README.md`` is the same contract in prose).
"""

from __future__ import annotations

__all__ = ["CAPTCHA_CODES", "OPS", "STATUS_OF"]

# Operations every target implements (policies may add more: captcha, lottery, waiting room).
OPS = ("list_sessions", "hold", "confirm", "cancel")

# Stable response codes → HTTP status. The SimPy service and every HTTP target use these.
STATUS_OF: dict[str, int] = {
    "ok": 200,
    "queued": 202,
    "bad_request": 400,
    "invalid": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "blocked": 403,
    "frozen": 403,  # account frozen after a cancellation until re-verified (op ``reverify``)
    "referral_required": 403,  # expert slot needs a referral the person does not hold
    "not_found": 404,
    "sold_out": 409,
    "conflict": 409,
    "rule_violation": 409,
    "lottery": 409,  # the session is allocated by a draw: enter with op ``lottery_enter``
    "expired": 410,
    "not_released": 425,
    "captcha_required": 428,
    "captcha_failed": 428,
    "waiting_room": 428,  # admission token needed: take a ticket with op ``enter_queue``
    "rate_limited": 429,
    "overloaded": 503,
    "timeout": 504,
    "network_error": 599,
}

# The answers that carry a CAPTCHA (or proof-of-work) challenge to solve.
CAPTCHA_CODES = frozenset({"captcha_required", "captcha_failed"})
