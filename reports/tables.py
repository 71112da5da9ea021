"""Reading record tables (:mod:`sim.records`) into numpy arrays for plotting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["Tables", "bot_persons", "column", "kind_of_agents", "stack"]

Tables = dict[str, pa.Table]


def column(table: pa.Table, name: str, dtype: Any = None) -> np.ndarray:
    """One column as a numpy array; dictionary-encoded strings become an object array."""
    col = table.column(name)
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    arr = col.to_numpy(zero_copy_only=False)
    return arr.astype(dtype) if dtype is not None else arr


def kind_of_agents(agents: pa.Table) -> dict[int, str]:
    """Agent id → ``patient`` or ``bot``."""
    return dict(zip(column(agents, "agent").tolist(), column(agents, "kind").tolist(), strict=True))


def bot_persons(identities: pa.Table) -> set[int]:
    """Person ids controlled by bot crews."""
    kinds = column(identities, "kind")
    return set(column(identities, "person")[kinds == "bot"].tolist())


def stack(tables: Iterable[Tables]) -> Tables:
    """The same table of several runs stacked (e.g. all replications of one policy)."""
    runs = list(tables)
    names = set().union(*(r.keys() for r in runs)) if runs else set()
    return {
        name: pa.concat_tables([_plain(r[name]) for r in runs if name in r], promote_options="default")
        for name in names
    }


def _plain(table: pa.Table) -> pa.Table:
    # Dictionary columns of different runs have different dictionaries; decode before stacking.
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)
