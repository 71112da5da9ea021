"""Virtual waiting room: tickets, a randomized pre-queue, admission at a fixed rate, tokens."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import Policy, Request, Verdict
from sim.policies.registry import register


class WaitingRoomParams(BaseModel):
    """Parameters of :class:`WaitingRoom`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    open_s: float = Field(
        0.0, description="admission starts; tickets taken earlier form the pre-queue"
    )
    rate_per_s: float = Field(5.0, gt=0, description="visitors admitted per second")
    randomize: bool = Field(True, description="shuffle the pre-queue (False: strict arrival order)")
    token_ttl_s: float = Field(900.0, gt=0, description="an admission token is valid this long")
    gated_ops: tuple[str, ...] = Field(
        ("list_sessions", "hold"), description="ops that need a token"
    )


@register
class WaitingRoom(Policy):
    """Virtual waiting room (Queue-it/Cloudflare style) with a randomized pre-queue.

    Semantics: a gated op (``gated_ops``) without a valid ``token`` arg is answered
    ``waiting_room`` (body ``enter: enter_queue``). Op ``enter_queue`` gives the account a
    ticket and is polled: ``queued`` with ``retry_after`` until the ticket's admission time, then
    ``ok`` with ``token`` (valid ``token_ttl_s``; send it as arg ``token``). Tickets taken before
    ``open_s`` form the pre-queue: with ``randomize`` each gets a uniform random place, i.e. is
    admitted at ``open_s + U·N/rate`` (N = pre-queue size), so arriving an hour or a second
    early is the same; without it they are admitted in arrival order. Later tickets queue
    behind, one every ``1/rate_per_s`` seconds. One ticket per account: whoever holds many
    accounts holds many tickets — the many-identities advantage stays.

    Parameters: ``open_s`` (0), ``rate_per_s`` (5), ``randomize`` (True), ``token_ttl_s`` (900),
    ``gated_ops`` (list_sessions, hold).
    """

    name = "waiting_room"
    Params = WaitingRoomParams
    params: WaitingRoomParams
    ops = ("enter_queue",)
    codes = ("waiting_room", "queued", "ok")

    def before(self, req: Request, now: float) -> Verdict | None:
        if req.op == "enter_queue":
            return self._poll(req, now)
        if req.op not in self.params.gated_ops:
            return None
        tok = self.ctx.store.get(f"wroom:token:{req.account}")
        if tok is not None and req.args.get("token") == tok[0] and now < tok[1]:
            return None
        return Verdict("waiting_room", {"enter": "enter_queue"})

    def _poll(self, req: Request, now: float) -> Verdict:
        store, p = self.ctx.store, self.params
        ticket: dict[str, Any] | None = store.get(f"wroom:ticket:{req.account}")
        if ticket is None:
            ticket = self._new_ticket(req.account, now)
        if now < p.open_s:
            return Verdict("queued", {"opens_at": p.open_s}, retry_after=p.open_s - now)
        admit_at = self._admission_time(ticket)
        if now < admit_at:
            return Verdict("queued", {"admit_at": admit_at}, retry_after=admit_at - now)
        token = f"wr-{req.account}-{ticket['n']}"
        expires = now + p.token_ttl_s
        store.put(f"wroom:token:{req.account}", [token, expires])
        store.delete(f"wroom:ticket:{req.account}")  # a lapsed token means a new ticket
        return Verdict("ok", {"token": token, "expires_at": expires})

    def _new_ticket(self, account: int, now: float) -> dict[str, Any]:
        store = self.ctx.store
        n = store.update("wroom:tickets", lambda v: (v or 0) + 1)
        if now < self.params.open_s:
            rank = store.update("wroom:prequeue", lambda v: (v or 0) + 1) - 1
            ticket = {"n": n, "pre": True, "u": float(self.ctx.rng.random()), "rank": rank}
        else:
            ticket = {"n": n, "pre": False, "admit_at": self._next_slot(now)}
        store.put(f"wroom:ticket:{account}", ticket)
        return ticket

    def _prequeue_end(self) -> float:
        return (
            self.params.open_s
            + int(self.ctx.store.get("wroom:prequeue", 0)) / self.params.rate_per_s
        )

    def _next_slot(self, now: float) -> float:
        """Admission time of a ticket taken at ``now`` ≥ ``open_s``: after the pre-queue and
        everyone before it, one per ``1/rate`` seconds."""
        step = 1.0 / self.params.rate_per_s
        end = self._prequeue_end()
        nxt = self.ctx.store.update(
            "wroom:next", lambda v: max(now, end if v is None else v) + step
        )
        return float(nxt) - step

    def _admission_time(self, ticket: dict[str, Any]) -> float:
        if not ticket["pre"]:
            return float(ticket["admit_at"])
        n_pre = int(self.ctx.store.get("wroom:prequeue", 0))
        place = ticket["u"] * n_pre if self.params.randomize else ticket["rank"]
        return float(self.params.open_s + place / self.params.rate_per_s)
