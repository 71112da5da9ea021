"""``python -m targets.reference.launch TARGET PORT``: serve a target under uvicorn (uvloop,
httptools with the slow-client deadlines of :mod:`targets.reference.slow_clients`, no proxy
headers) with the settings in ``SLOTGRAB_SETTINGS``. uvicorn's command line cannot take a
protocol class, hence this small launcher (:func:`targets.reference.server.uvicorn_command`)."""

from __future__ import annotations

import sys

import uvicorn

from targets.reference.settings import Settings
from targets.reference.slow_clients import GuardedHttpToolsProtocol

__all__ = ["main"]

APPS = {
    "reference": "targets.reference.app:app_from_env",
    "naive": "targets.naive.app:app_from_env",
    "trivial": "targets.trivial:create_app",  # the benchmark's yardstick
}


def main(argv: list[str] | None = None) -> None:
    """Serve ``TARGET`` on 127.0.0.1:``PORT`` until stopped."""
    target, port = argv if argv is not None else sys.argv[1:3]
    settings = Settings.from_env()
    uvicorn.run(APPS[target], factory=True, host="127.0.0.1", port=int(port), loop="uvloop",
                http=GuardedHttpToolsProtocol, access_log=False, log_level="warning", proxy_headers=False,
                workers=settings.workers, timeout_keep_alive=round(settings.keep_alive_s))


if __name__ == "__main__":
    main()
