"""Record columns become Arrow tables value for value, and keep growing after a table is made."""

from __future__ import annotations

import math

import pyarrow as pa

from sim.records import Columns


class _Log(Columns):
    SCHEMA = (("n", "q"), ("small", "i"), ("t", "d"), ("what", "s"))


def test_typed_columns_become_arrow_columns_value_for_value() -> None:
    log = _Log()
    rows = [(2**62, -3, math.nan, "hold"), (-1, 2**31 - 1, -0.0, "ok"), (0, 0, 1e-300, "hold")]
    for row in rows:
        log.append(*row)
    table = log.to_arrow({"seed": 7})
    assert table.schema.field("n").type == pa.int64() and table.schema.field("small").type == pa.int32()
    assert table.column("n").to_pylist() == [2**62, -1, 0]
    assert table.column("small").to_pylist() == [-3, 2**31 - 1, 0]
    t = table.column("t").to_pylist()
    assert math.isnan(t[0]) and math.copysign(1, t[1]) < 0 and t[2] == 1e-300
    assert table.column("t").null_count == 0  # NaN stays a float, not a missing value
    assert table.column("what").to_pylist() == ["hold", "ok", "hold"]
    assert table.column("seed").to_pylist() == [7, 7, 7]


def test_a_log_keeps_growing_after_its_table_was_made() -> None:
    log = _Log()
    log.append(1, 1, 1.0, "a")
    first = log.to_arrow()
    log.append(2, 2, 2.0, "b")  # the table holds a copy: the buffer may still grow
    assert first.num_rows == 1 and log.to_arrow().column("n").to_pylist() == [1, 2]
    assert _Log().to_arrow().num_rows == 0
