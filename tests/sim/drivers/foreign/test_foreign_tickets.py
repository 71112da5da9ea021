"""The reserve-only ticket service (UUID tickets, a SQLite state table, no login, release,
confirm or export) driven by nothing but ``tickets.yaml``: the verdict is checked against the
service's own store — its tickets table and its table of the acknowledgements it sent."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from cli_kit import run_slotgrab, write_burst
from foreign_kit import GATED, HERE

pytestmark = pytest.mark.slow

MAPPING = HERE / "tickets.yaml"


def _store(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    acked, kept = con.execute("SELECT count(*), coalesce(sum(kept), 0) FROM acks").fetchone()
    reserved = con.execute("SELECT count(*) FROM tickets WHERE status = 'reserved'").fetchone()[0]
    tickets = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    return {"acked": acked, "kept": kept, "reserved": reserved, "tickets": tickets}


def test_the_mapping_is_short_and_has_no_python() -> None:
    text = MAPPING.read_text()
    assert len(text.splitlines()) <= 40
    assert "import" not in text and ":" in text  # YAML, no module:Class
    assert not list(HERE.glob("ticket*adapter*.py"))


def test_load_catches_every_acknowledgement_the_service_lost(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "tickets.db"
    url = foreign("tickets", db=db, lose_every=3)
    out = tmp_path / "run"
    scenario = write_burst(tmp_path, name="tickets", patients=60, after_s=4)
    r = run_slotgrab("load", str(scenario), "--target", url, "--adapter", str(MAPPING),
                     "--adapter-opt", f"db=sqlite:///{db}", "--out", str(out), "--no-report")
    store = _store(db)
    # the service's own record: it acknowledged more than it kept (every third, on purpose)
    lost = store["acked"] - store["kept"]
    assert store["tickets"] == 10 and store["reserved"] == store["kept"] and lost >= 1
    assert r.returncode == 1, r.stderr  # an invariant broke: load exits non-zero
    meta = json.loads((out / "meta.json").read_text())
    assert meta["violations"].count("lost_ack") == lost
    assert set(meta["violations"]) == {"lost_ack"}  # nothing overbooked: a state table can't show it
    summary = {k: v["mean"] for k, v in json.loads((out / "summary.json").read_text())["metrics"].items()}
    assert summary["slots_confirmed"] == store["reserved"]
    rec = out / "records" / "rep-000"
    bookings = pq.read_table(rec / "bookings.parquet").to_pydict()
    assert min(bookings["t"]) >= 0.0  # the release hook put the tickets out at T0, not before
    ids = pq.read_table(rec / "hold_ids.parquet").to_pydict()["hold_id"]
    assert len(ids) == store["reserved"] and all(len(i.split(":")[0]) == 36 for i in ids)  # UUIDs
    # bot share from the service's table and the plan's identities, not from slotgrab's metric
    con = sqlite3.connect(db)
    holders = [int(h) for (h,) in con.execute("SELECT holder FROM tickets WHERE status='reserved'")]
    ident = pq.read_table(rec / "identities.parquet").to_pydict()
    bots = {p for p, k in zip(ident["person"], ident["kind"], strict=True) if k == "bot"}
    assert summary["bot_share"] == pytest.approx(np.mean([h in bots for h in holders]))


def test_gated_check_fails_on_lost_acks_and_passes_a_sound_service(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    scenario = write_burst(tmp_path, name="tickets", patients=40, after_s=4)
    scenario.write_text(scenario.read_text() + GATED)
    verdicts = {}
    for lose_every in (3, 0):
        db = tmp_path / f"tickets-{lose_every}.db"
        url = foreign("tickets", db=db, lose_every=lose_every)
        out = tmp_path / f"check-{lose_every}"
        r = run_slotgrab("check", str(scenario), "--kind", "load", "--target", url,
                         "--adapter", str(MAPPING), "--adapter-opt", f"db=sqlite:///{db}",
                         "--out", str(out), "--no-report")
        result = json.loads((out / "result.json").read_text())
        gates = {g["gate"]: g["status"] for g in result["gates"]}
        verdicts[lose_every] = (r.returncode, gates.get("lost_ack == 0"), _store(db))
    code, gate, store = verdicts[3]
    assert store["acked"] > store["kept"] and code == 1 and gate == "fail"
    code, gate, store = verdicts[0]
    assert store["acked"] == store["kept"] == store["reserved"] and code == 0 and gate == "pass"
