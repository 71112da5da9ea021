"""The naive target overbooks under the same race the reference service passes — so the
race test and the invariant checker can fail."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from sim.domain.invariants import find_violations


@pytest.mark.slow
def test_naive_overbooks_and_the_checker_sees_it(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path, target="naive")
    try:
        kit.load(server)
        results = kit.race(server, kit.provision(server, 64))
        confirmed = sum(r[2] == 200 for r in results)
        assert confirmed > 5
        kinds = {v.kind for v in find_violations(pa.Table.from_pylist(kit.export(server)), {"s1": 5})}
        assert "overbooked" in kinds
    finally:
        server.stop()
