"""What ``slotgrab serve`` checks before it starts uvicorn, so a start-up failure is one line
and a non-zero exit instead of a traceback from a child process (and exit 0 from the parent).

Each check raises :class:`~sim.cli.errors.UsageError` naming the flag, the value and what is
allowed. The database checks are the real ones the service would do first (open the SQLite
file for writing; connect to PostgreSQL), bounded in time: a PostgreSQL that is down is
reported after :data:`PG_CONNECT_TIMEOUT_S`, not after the pool's 30 s of retries.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import signal
import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.cli.errors import UsageError
from sim.policies.registry import validate_stack
from sim.policies.spec import PolicySpec

__all__ = [
    "MAX_SECONDS",
    "PG_CONNECT_TIMEOUT_S",
    "check_database",
    "check_finite",
    "check_policies",
    "check_port_free",
    "die_with_parent",
    "forwarding_signals",
    "settings_or_error",
]

PG_CONNECT_TIMEOUT_S = 3
MAX_SECONDS = 30 * 86_400.0  # the service's own bound on a token's lifetime; T0 within a month
_PR_SET_PDEATHSIG = 1


def check_finite(flag: str, value: float, low: float, high: float, low_open: bool = False) -> None:
    """``value`` is a finite number in [low, high] (or (low, high] with ``low_open``)."""
    above = value > low if low_open else value >= low
    if not (math.isfinite(value) and above and value <= high):
        bracket = "(" if low_open else "["
        raise UsageError(f"{flag} {value!r}; allowed: a finite number in {bracket}{low:,.0f}, {high:,.0f}] (seconds)")


def check_policies(names: list[str]) -> None:
    """Every ``--policy`` names a registered policy."""
    try:
        validate_stack(PolicySpec(name=n) for n in names)
    except ValueError as exc:
        raise UsageError(f"--policy: {exc}") from None


def check_port_free(port: int) -> None:
    """Nothing listens on 127.0.0.1:``port`` (uvicorn would die with a traceback)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UsageError(f"--port {port}: cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None


def check_database(db: str) -> None:
    """``--db`` is ``sqlite:///PATH`` (a writable file) or a reachable ``postgresql://…``."""
    if db.startswith(("postgresql://", "postgres://")):
        _check_postgres(db)
    elif db.startswith("sqlite:///"):
        _check_sqlite(db, Path(db.removeprefix("sqlite:///")))
    else:
        raise UsageError(f"--db {db!r}: unknown kind of database; allowed: sqlite:///PATH, postgresql://…")


def _check_sqlite(db: str, path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"--db {db}: {path} is a directory; give the path of a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=1.0)
        try:  # a write lock proves the file (and its folder, for the journal) is writable
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except OSError as exc:
        raise UsageError(f"--db {db}: cannot create {path}: {exc.strerror}") from None
    except sqlite3.Error as exc:
        raise UsageError(f"--db {db}: cannot open {path} as a SQLite database for writing: {exc}") from None


def _check_postgres(db: str) -> None:
    import psycopg  # psycopg: only a PostgreSQL database needs it

    try:
        psycopg.connect(db, connect_timeout=PG_CONNECT_TIMEOUT_S).close()
    except (psycopg.Error, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"--db: cannot connect to PostgreSQL within {PG_CONNECT_TIMEOUT_S} s: {first}") from None


def settings_or_error(make: Callable[..., Any], **kw: Any) -> Any:
    """``make(**kw)``, with a pydantic error turned into one line per bad setting."""
    try:
        return make(**kw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])} {e.get('input')!r}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise UsageError(f"bad setting: {problems}") from None


def die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn`` that makes the child get SIGTERM when this process dies, even by
    SIGKILL (Linux ``PR_SET_PDEATHSIG``), so no orphaned uvicorn keeps answering."""
    parent = os.getpid()

    def arm() -> None:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the prctl took effect
            os._exit(1)

    return arm


@contextlib.contextmanager
def forwarding_signals(proc: Any) -> Iterator[None]:
    """Pass SIGTERM/SIGINT on to ``proc`` (uvicorn shuts down cleanly) while inside."""
    def stop(signum: int, frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
