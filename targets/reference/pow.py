"""Real proof-of-work for the CAPTCHA policy's ``kind: pow``: ALTCHA challenges (``altcha`` 2.x).

The simulator models a proof-of-work as ``pow_cost_s`` seconds of client compute and lets the
client claim ``captcha: {id, correct}``. With ``pow_mode: altcha`` (the default of
``slotgrab serve``) the reference service makes it real around the very same policy:

- every ``captcha_required``/``captcha_failed`` reply of a ``kind: pow`` policy also carries
  ``altcha``: a signed ALTCHA v2 challenge (algorithm ``SHA-256``, cost 1, deterministic
  counter) whose signed ``data`` binds it to the account and to the policy's ``challenge_id``;
- the answer is ``captcha: {id}`` plus ``altcha: "<base64 payload>"`` (what the ALTCHA widget
  submits); the service checks it with ``altcha.verify_solution`` and the binding, and hands
  the policy ``captcha: {id, correct}`` with ``correct`` = the verdict — a client's own
  ``correct`` is ignored. The policy still enforces single use, account and expiry.

Difficulty: the counter is drawn uniformly below ``max_number = 2 · pow_cost_s ·
pow_hashes_per_s``, and the client must try every counter up to it, so an average solve costs
``pow_cost_s`` on a client doing ``pow_hashes_per_s`` SHA-256 derivations per second (the
default, 400,000/s, is altcha's own Python solver on one core of the 2-core VM this was built on).

``pow_mode: claimed`` keeps the simulator's contract (the client's ``correct`` is trusted): for
the policy-parity test and for load runs that cannot afford the generator CPU.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal

import altcha

from sim.domain.contract import CAPTCHA_CODES
from sim.policies.base import Request
from sim.policies.captcha import Captcha, CaptchaParams
from sim.policies.stack import PolicyStack
from sim.service.booking import Reply

__all__ = ["ALGORITHM", "PowMode", "ProofOfWork", "pow_params"]

PowMode = Literal["claimed", "altcha"]
ALGORITHM = "SHA-256"  # one SHA-256 per counter: cheap to verify, work linear in the counter
_MAX_COUNTER = 0xFFFFFFFF  # the library encodes the counter as uint32


def pow_params(stack: PolicyStack) -> CaptchaParams | None:
    """The parameters of the stack's proof-of-work CAPTCHA, None if it has none."""
    for p in stack.policies:
        if isinstance(p, Captcha) and p.params.kind == "pow":
            return p.params
    return None


class ProofOfWork:
    """Issues and verifies ALTCHA challenges for one service (``mode``, HMAC ``secret``)."""

    def __init__(self, mode: PowMode, secret: str, hashes_per_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.mode = mode
        # a key of its own, so an ALTCHA signature can never pass as an account token
        self.key = hmac.new(secret.encode(), b"slotgrab altcha v2", hashlib.sha256).hexdigest()
        self.hashes_per_s = hashes_per_s
        self.clock = clock

    def max_number(self, cost_s: float) -> int:
        """Counters are drawn below this: a mean solve costs ``cost_s`` at ``hashes_per_s``."""
        return min(_MAX_COUNTER, max(1, math.ceil(2.0 * cost_s * self.hashes_per_s)))

    def issue(self, account: int, challenge_id: int, cost_s: float, ttl_s: float) -> dict[str, Any]:
        """A signed challenge (JSON form) for ``account``'s policy challenge ``challenge_id``."""
        counter = secrets.randbelow(self.max_number(cost_s))  # unguessable: not a model stream
        challenge = altcha.create_challenge(
            ALGORITHM, 1, counter=counter, hmac_secret=self.key,
            expires_at=math.ceil(self.clock() + ttl_s),
            data={"account": account, "challenge_id": challenge_id})
        return challenge.to_dict()

    def verify(self, account: int, challenge_id: Any, payload: Any) -> bool:
        """Whether ``payload`` (base64 ALTCHA payload) solves a challenge this service issued
        to ``account`` for ``challenge_id``."""
        if not isinstance(payload, str):
            return False
        result = altcha.verify_solution(payload, self.key)
        if not result.verified:
            return False
        data = altcha.Payload.from_base64(payload).challenge.parameters.data or {}
        return data.get("account") == account and data.get("challenge_id") == challenge_id

    # ---- around BookingService.handle -----------------------------------------------------------
    def check(self, req: Request, params: CaptchaParams | None) -> Request:
        """``req`` with its CAPTCHA answer judged by the proof it carries (altcha mode, pow policy)."""
        answer = req.args.get("captcha")
        if self.mode != "altcha" or params is None or not isinstance(answer, dict):
            return req
        cid = answer.get("id")
        args = {k: v for k, v in req.args.items() if k != "altcha"}
        args["captcha"] = {"id": cid, "correct": self.verify(req.account, cid, req.args.get("altcha"))}
        return Request(req.op, req.account, req.person, req.ip, args)

    def decorate(self, req: Request, reply: Reply, params: CaptchaParams | None) -> Reply:
        """``reply`` with an ALTCHA challenge attached if it asks for a proof-of-work."""
        if self.mode != "altcha" or params is None or reply.code not in CAPTCHA_CODES:
            return reply
        cid = reply.body.get("challenge_id")
        if reply.body.get("kind") != "pow" or cid is None:
            return reply
        body = {**reply.body, "altcha": self.issue(req.account, cid, params.pow_cost_s, params.challenge_ttl_s)}
        return Reply(reply.code, body, reply.retry_after, reply.delay_s)
