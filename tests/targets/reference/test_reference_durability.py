"""An acknowledged confirmation survives the server being killed with SIGKILL (SQLite WAL,
synchronous=NORMAL: the commit is in the WAL file before the answer is sent)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

SCENARIO: dict[str, Any] = {
    "name": "durable",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 40}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


@pytest.mark.slow
def test_acknowledged_confirmations_survive_sigkill(tmp_path: Any, kit: Any) -> None:
    db = f"sqlite:///{tmp_path}/durable.db"
    server = kit.serve(tmp_path, db=db)
    acknowledged: list[int] = []
    try:
        kit.load(server, SCENARIO)
        tokens = kit.provision(server, 20)
        for account, token in tokens.items():
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
                hid = c.post("/v1/holds", json={"session": "s1"}).json()["hold_id"]
                if c.post(f"/v1/holds/{hid}/confirm").status_code == 200:
                    acknowledged.append(hid)
                if account % 4 == 0:  # an unconfirmed hold too
                    c.post("/v1/holds", json={"session": "s1"})
    finally:
        server.stop(kill=True)  # SIGKILL right after the last acknowledgement: no clean shutdown
    assert server.proc.returncode == -9 and len(acknowledged) == 20
    restarted = kit.serve(tmp_path, db=db)
    try:
        health = httpx.get(f"{restarted.url}/v1/health").json()
        assert health["loaded"] and health["scenario"] == "durable"
        events = kit.export(restarted)
        confirmed = {e["hold_id"] for e in events if e["event"] == "confirm"}
        assert confirmed == set(acknowledged)
        assert sum(e["event"] == "hold" for e in events) == 25
    finally:
        restarted.stop()
