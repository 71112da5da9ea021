"""Fixtures for the targets: a throwaway PostgreSQL, servers started by PID, a race helper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from targets.reference.pg_cluster import find_pg_bin, temporary_cluster
from targets.reference.server import Server, free_port, make_settings, start_server

RACE_SCENARIO: dict[str, Any] = {
    "name": "race",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private PostgreSQL server (Debian's packages) for the session; skipped if absent."""
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb missing; "
                    ".ci/system-packages.sh installs it)")
    with temporary_cluster(free_port()) as url:
        yield url


def serve(tmp_path: Any, target: str = "reference", **kw: Any) -> Server:
    """Start a target on a free port (SQLite under ``tmp_path`` unless ``db`` is given)."""
    kw.setdefault("db", f"sqlite:///{tmp_path}/slotgrab.db")
    kw.setdefault("password_iterations", 1000)
    return start_server(make_settings(**kw), target=target)


def load(server: Server, scenario: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """Load a scenario (default: one session of 5 slots, T0 already passed)."""
    body = {"scenario": scenario or RACE_SCENARIO, "t0_in_s": -1.0, **kw}
    r = httpx.post(f"{server.url}/v1/admin/load", json=body, headers=server.admin_headers(), timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def provision(server: Server, n: int, first: int = 1) -> dict[int, str]:
    """Accounts first..first+n-1, each with person id = 1000 + account; their tokens."""
    accounts = [{"account": a, "persons": [1000 + a]} for a in range(first, first + n)]
    r = httpx.post(f"{server.url}/v1/admin/accounts", json={"accounts": accounts},
                   headers=server.admin_headers(), timeout=30)
    assert r.status_code == 200, r.text
    return {int(a): t for a, t in r.json()["tokens"].items()}


def race(server: Server, tokens: dict[int, str], session: str = "s1") -> list[tuple[int, int, int]]:
    """Every account at once (a barrier): hold, then confirm. (account, hold status, confirm status)."""
    barrier = threading.Barrier(len(tokens))
    out: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def one(account: int, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            barrier.wait()
            h = c.post("/v1/holds", json={"session": session})
            conf = 0
            if h.status_code == 200:
                conf = c.post(f"/v1/holds/{h.json()['hold_id']}/confirm").status_code
            with lock:
                out.append((account, h.status_code, conf))

    threads = [threading.Thread(target=one, args=item) for item in tokens.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def export(server: Server) -> list[dict[str, Any]]:
    """The target's booking events."""
    r = httpx.get(f"{server.url}/v1/admin/bookings", headers=server.admin_headers(), timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


@pytest.fixture
def kit() -> Any:
    """The helpers above, for test modules (conftest modules are not importable by name)."""
    import types

    return types.SimpleNamespace(serve=serve, load=load, provision=provision, race=race, export=export)
