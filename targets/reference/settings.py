"""Settings of one reference-service process: built by ``slotgrab serve`` or by tests.

Worker processes started by uvicorn get them from the environment (``SLOTGRAB_SETTINGS``, a
JSON object), because uvicorn builds each worker's app from an import string.
"""

from __future__ import annotations

import json
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ENV_VAR", "Settings"]

ENV_VAR = "SLOTGRAB_SETTINGS"


class Settings(BaseModel):
    """Everything ``create_app`` needs. Secrets are plain strings here: they come from the
    CLI (random per start) and never from a file in the repository."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db: str = Field("sqlite:///runs/serve/slotgrab.db", description="sqlite:///path or postgresql://…")
    workers: int = Field(1, ge=1, le=64)
    token_secret: str = Field(min_length=16, description="HMAC key of account tokens")
    admin_token: str = Field(min_length=16)
    token_ttl_s: float = Field(86_400.0, gt=0, le=30 * 86_400)
    trusted_ip_header: str | None = Field(None, description="take the client IP from this header")
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    pg_pool: int = Field(8, ge=1, le=64)
    pg_direct_connections: int = Field(48, ge=1, le=256, description="PostgreSQL connections of the "
                                       "one-call ops, in total over the workers (targets/reference/direct.py)")
    max_persons_per_account: int = Field(5, ge=1, le=100)
    password_iterations: int = Field(60_000, ge=1_000)
    max_body_bytes: int = Field(8192, ge=256)
    header_timeout_s: float = Field(10.0, gt=0, le=600, description="a request's headers must arrive "
                                    "within this of its first byte (targets/reference/slow_clients.py)")
    keep_alive_s: float = Field(120.0, ge=1, le=3600, description="an idle connection is closed after this")
    idempotency_ttl_s: float = Field(3600.0, gt=0, le=30 * 86_400, description="a hold's idempotency key "
                                     "is forgotten this long after the hold (targets/reference/idempotency.py)")
    scenario: str | None = Field(None, description="scenario to load at start (name, path or JSON)")
    policies: tuple[str, ...] = Field((), description="policy stack replacing the scenario's")
    t0_in_s: float = Field(10.0, description="T0 = start + this, when --scenario is given")
    pow_mode: Literal["claimed", "altcha"] = Field(
        "altcha", description="CAPTCHA kind pow: verify a real ALTCHA proof (altcha) or trust "
        "the client's `correct` like the simulator (claimed); see targets/reference/pow.py")
    pow_secret: str | None = Field(None, min_length=16, description="HMAC key of ALTCHA "
                                   "challenges (None: derived from token_secret)")
    pow_hashes_per_s: float = Field(400_000.0, gt=0, description="client SHA-256 rate that "
                                    "pow_cost_s is measured against (sets the ALTCHA max number)")

    def to_env(self) -> dict[str, str]:
        """The environment that carries these settings to worker processes."""
        return {ENV_VAR: self.model_dump_json()}

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings that :meth:`to_env` wrote."""
        raw = os.environ.get(ENV_VAR)
        if not raw:
            raise RuntimeError(f"{ENV_VAR} is not set; start the service with `slotgrab serve`")
        return cls.model_validate(json.loads(raw))
