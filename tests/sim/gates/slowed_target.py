"""The reference booking service with injected delays, for the gate and baseline tests.

``--delay-ms D`` delays every agent-facing ``/v1`` call by D ms (a slower service);
``--health-ms H`` delays ``GET /v1/health``, the trivial endpoint a check probes as its in-run
reference (scaling both D and H by the same factor stands for a uniformly slower machine).
Delays are ``asyncio.sleep``: they slow answers without blocking other requests.

Run: ``python tests/sim/gates/slowed_target.py --port P --dir DIR [--delay-ms D --health-ms H]``;
it writes its admin token to ``DIR/admin-token`` as :func:`started_target` expects.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from fastapi import Request, Response

from targets.reference.app import create_app
from targets.reference.server import make_settings, write_admin_token


def main() -> None:
    """Parse the flags, build the slowed app, serve it on 127.0.0.1."""
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--health-ms", type=float, default=0.0)
    args = p.parse_args()
    settings = make_settings(
        db=f"sqlite:///{args.dir / 'slotgrab.db'}",
        trusted_ip_header="X-Client-IP",
        password_iterations=1_000,
    )
    write_admin_token(settings, args.dir / "admin-token")
    app = create_app(settings)

    @app.middleware("http")
    async def slow(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path == "/v1/health":
            await asyncio.sleep(args.health_ms / 1000.0)
        elif not path.startswith("/v1/admin"):
            await asyncio.sleep(args.delay_ms / 1000.0)
        return await call_next(request)

    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", loop="uvloop", http="httptools"
    )


if __name__ == "__main__":
    main()
