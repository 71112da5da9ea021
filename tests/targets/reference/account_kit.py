"""Accounts on an in-process reference app, shared by its API-level tests."""

from __future__ import annotations

from fastapi.testclient import TestClient


def register(c: TestClient, account: int, persons: list[int]) -> dict[str, str]:
    """Register ``account`` with ``persons`` through the public API; its auth header."""
    r = c.post("/v1/accounts", json={"account": account, "password": "correct horse", "persons": persons})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
