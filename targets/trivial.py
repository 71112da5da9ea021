"""A trivial FastAPI endpoint: the in-run yardstick of ``slotgrab bench service``.

``GET /hello`` returns a small JSON object from ``async def`` — the cost of the HTTP/ASGI stack
alone (uvicorn + uvloop + httptools + FastAPI) on this machine, measured beside the booking
service in the same run.
"""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["create_app"]


def create_app() -> FastAPI:
    """The app (a factory, like the services)."""
    app = FastAPI(title="hello")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"code": "ok", "hello": "world"}

    @app.get("/v1/health")
    async def health() -> dict[str, str]:
        return {"code": "ok"}

    return app
