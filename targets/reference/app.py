"""The reference booking service's FastAPI app, built by a factory (nothing at import).

``create_app(settings)`` for tests and embedding; ``app_from_env()`` is the factory uvicorn
calls in each worker (``slotgrab serve`` puts the settings in the environment).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from targets.reference.admin import build_admin_router
from targets.reference.api import build_router
from targets.reference.bodylimit import BodyLimit
from targets.reference.errors import install_error_handlers
from targets.reference.fastpath import FastPath
from targets.reference.runtime import load_at_start
from targets.reference.service import Service
from targets.reference.settings import Settings

__all__ = ["app_from_env", "create_app"]


def create_app(settings: Settings, clock: Callable[[], float] = time.time) -> FastAPI:
    """Build the app: database and runtime are opened on startup and closed on shutdown."""
    svc = Service(settings, clock=clock)
    if settings.workers == 1:  # several workers: `slotgrab serve` loads it before they start
        load_at_start(svc.runtime, settings.scenario, settings.policies, settings.t0_in_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await svc.aclose()

    app = FastAPI(title="slotgrab reference booking service", version="1",
                  description="The simulator's booking logic and policies behind HTTP; contract in targets/README.md.",
                  lifespan=lifespan)
    app.state.service = svc
    install_error_handlers(app)
    app.include_router(build_router(svc))
    app.include_router(build_admin_router(svc))
    app.add_middleware(FastPath, svc=svc)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, admin_token=settings.admin_token)
    return app


def app_from_env() -> BodyLimit:
    """uvicorn factory: settings from ``SLOTGRAB_SETTINGS``. The body limit (enforced while
    the body streams in) and the booking routes' fast path sit outermost, in front of
    FastAPI's own per-request layers; everything else goes through the FastAPI app unchanged."""
    settings = Settings.from_env()
    app = create_app(settings)
    return BodyLimit(FastPath(app, app.state.service), settings.max_body_bytes, settings.admin_token)
