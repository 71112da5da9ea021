"""The pay-on-reserve show service (login, its own release time, refunds, its own order list as
the export) driven by ``shows.yaml``: the verdict is checked against the service's orders."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from cli_kit import run_slotgrab, write_burst
from foreign_kit import HERE
from show_service import PASSWORD

pytestmark = pytest.mark.slow

MAPPING = HERE / "shows.yaml"


def _orders(url: str) -> list[dict]:  # type: ignore[type-arg]
    token = httpx.post(f"{url}/login", json={"user": "t", "password": PASSWORD}).json()["access_token"]
    return list(httpx.get(f"{url}/orders", headers={"Authorization": f"Bearer {token}"}).json()["orders"])


def _load(tmp_path: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    scenario = write_burst(tmp_path, name="shows", patients=60, after_s=4)
    r = run_slotgrab("load", str(scenario), "--target", url, "--adapter", str(MAPPING),
                     "--adapter-opt", f"password={PASSWORD}", "--out", str(out), "--no-report", *extra)
    return r, out


def test_sound_service_verdict_matches_its_orders(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    url = foreign("shows")
    r, out = _load(tmp_path, url, "--processes", "2")  # workers learn T0 through the begin hook
    assert r.returncode == 0, r.stderr
    orders = _orders(url)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["violations"] == []
    m = {k: v["mean"] for k, v in json.loads((out / "summary.json").read_text())["metrics"].items()}
    assert len(orders) == 10 and m["slots_confirmed"] == 10
    # nobody bought before the sale opened at T0: the load hook set the service's release time,
    # in whole milliseconds (``{t0_ms}`` truncates), so the sale opens up to 1 ms before T0 and a
    # bot polling from T0 − 0.5 s may buy in that millisecond
    t0 = meta["t0_wall"]
    assert min(o["paid_at"] for o in orders) >= int(t0 * 1000) / 1000
    rec = out / "records" / "rep-000"
    ident = pq.read_table(rec / "identities.parquet").to_pydict()
    bots = {p for p, k in zip(ident["person"], ident["kind"], strict=True) if k == "bot"}
    assert m["bot_share"] == pytest.approx(np.mean([o["customer"] in bots for o in orders]))
    req = pq.read_table(rec / "requests.parquet").to_pydict()
    early = [c for op, c, t in zip(req["op"], req["code"], req["t_sent"], strict=True)
             if op == "hold" and t < -0.05]
    assert early and set(early) == {"not_released"}  # the 403 SALE_NOT_OPEN, by the status table


def test_overselling_service_is_caught(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    url = foreign("shows", oversell=3)
    r, out = _load(tmp_path, url)
    orders = _orders(url)
    assert len(orders) == 13  # its own store: three seats more than the show has
    assert r.returncode == 1
    kinds = json.loads((out / "meta.json").read_text())["violations"]
    assert kinds.count("overbooked") == 3 and set(kinds) == {"overbooked"}


def test_calibrate_through_the_mapping_times_the_ops_the_service_has(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    url = foreign("shows")
    out = tmp_path / "service.yaml"
    r = run_slotgrab("calibrate", "--target", url, "--adapter", str(MAPPING), "--adapter-opt",
                     f"password={PASSWORD}", "--samples", "10", "--out", str(out))
    assert r.returncode == 0, r.stderr
    block = yaml.safe_load(out.read_text())["service"]["service_ms"]
    assert set(block) == {"list_sessions", "hold", "cancel"}  # confirm is local: nothing to time
    assert _orders(url) == []  # every calibration order was refunded
