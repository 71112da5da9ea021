"""CAPTCHA challenge ids on the wire: unguessable and bound to the account they were issued to.

The CAPTCHA policy numbers its challenges 1, 2, 3 … (the simulator's contract) and used to
delete a named challenge before checking whose it was, so any account could burn every other
account's challenge by counting. The service never shows the policy's number: a reply's
``challenge_id`` becomes ``<number>.<HMAC(secret, account, number)>`` and an answer's id is
opened with the *requesting* account before the policy sees it. An id that does not open — a
guess, a typo, another account's — reaches the policy as no answer at all (a fresh
``captcha_required``), so nobody else's challenge is touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from sim.policies.base import Request
from sim.service.booking import Reply

__all__ = ["ChallengeIds"]


class ChallengeIds:
    """Seals the policy's challenge numbers for one account and opens them again."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"slotgrab challenge id:" + secret.encode()).digest()

    def _tag(self, account: int, number: int) -> str:
        mac = hmac.new(self._key, f"{account}:{number}".encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def seal(self, account: int, number: int) -> str:
        """The wire id of challenge ``number`` issued to ``account``."""
        return f"{number}.{self._tag(account, number)}"

    def open(self, account: int, wire_id: Any) -> int | None:
        """The policy's number behind ``wire_id`` if it was issued to ``account``, else None."""
        if not isinstance(wire_id, str) or wire_id.count(".") != 1:
            return None
        number, tag = wire_id.split(".")
        if not (number.isascii() and number.isdigit() and len(number) <= 18):
            return None
        return int(number) if hmac.compare_digest(tag, self._tag(account, int(number))) else None

    def inbound(self, req: Request) -> Request:
        """``req`` with its CAPTCHA answer's id opened (or the answer dropped)."""
        answer = req.args.get("captcha")
        if not isinstance(answer, dict):
            return req
        number = self.open(req.account, answer.get("id"))
        args = dict(req.args)
        if number is None:
            del args["captcha"]
        else:
            args["captcha"] = {**answer, "id": number}
        return Request(req.op, req.account, req.person, req.ip, args)

    def outbound(self, req: Request, reply: Reply) -> Reply:
        """``reply`` with its ``challenge_id`` sealed for the requesting account."""
        number = reply.body.get("challenge_id")
        if isinstance(number, bool) or not isinstance(number, int):
            return reply
        body = {**reply.body, "challenge_id": self.seal(req.account, number)}
        return Reply(reply.code, body, reply.retry_after, reply.delay_s)
