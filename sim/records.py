"""Records: the one schema every run writes, whether the simulator or a load run produced it.

Five flat tables, each stamped with scenario, policy, seed and replication when written:

- ``agents``: the plan — one row per agent (kind, group, identities, planned arrival, traits);
- ``identities``: one row per identity an agent holds (account, person, IP);
- ``requests``: one row per call — planned/sent/done times, operation, outcome code;
- ``bookings``: one row per ledger event — release, hold, confirm, expire, cancel, return;
- ``outcomes``: one row per agent — how its run ended, calls made, seconds of burden.

Rows are appended to typed column buffers (compact: a 200,000-agent run fits easily) and
turned into Arrow tables for Parquet files and metrics.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "AgentLog",
    "Columns",
    "EventLog",
    "IdentityLog",
    "OutcomeLog",
    "RequestLog",
    "RunRecords",
    "read_records",
]

_ARROW = {"d": pa.float64(), "q": pa.int64(), "i": pa.int32(), "s": pa.string()}
_NUMPY = {"d": np.float64, "q": np.int64, "i": np.int32}


class Columns:
    """Append-only typed columns. Subclasses list ``SCHEMA`` as (name, typecode) pairs:
    ``d`` float64, ``q`` int64, ``i`` int32, ``s`` string."""

    SCHEMA: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self) -> None:
        self._cols: list[Any] = [[] if code == "s" else array(code) for _, code in self.SCHEMA]
        self._appenders = [c.append for c in self._cols]

    def append(self, *row: Any) -> None:
        """Append one row, values in ``SCHEMA`` order."""
        for add, value in zip(self._appenders, row, strict=True):
            add(value)

    def appenders(self) -> tuple[Any, ...]:
        """One ``append(value)`` per column, in ``SCHEMA`` order: the hot-path way to add a row
        (call each once per row; :meth:`append` does the same, about 5× slower)."""
        return tuple(self._appenders)

    def __len__(self) -> int:
        return len(self._cols[0]) if self._cols else 0

    def column(self, name: str) -> Any:
        """One column's buffer (read it, don't append to it)."""
        return self._cols[[n for n, _ in self.SCHEMA].index(name)]

    def to_arrow(self, stamp: dict[str, Any] | None = None) -> pa.Table:
        """An Arrow table, with constant ``stamp`` columns (scenario, policy, seed, rep) added."""
        arrays = {
            # a typed buffer goes over as one numpy copy (read as a sequence, value by value, it
            # took longer than the rest of the table; a copy, so the buffer may still grow)
            name: pa.array(np.frombuffer(col, dtype=_NUMPY[code]).copy(), type=_ARROW[code])
            if code != "s"
            else pa.array(col, type=pa.string()).dictionary_encode()
            for (name, code), col in zip(self.SCHEMA, self._cols, strict=True)
        }
        n = len(self)
        for key, value in (stamp or {}).items():
            arrays[key] = pa.repeat(pa.scalar(value), n).dictionary_encode() if isinstance(value, str) \
                else pa.repeat(pa.scalar(value), n)
        return pa.table(arrays)


class AgentLog(Columns):
    """The plan: who races, with which identities and traits."""

    SCHEMA = (
        ("agent", "q"), ("kind", "s"), ("group", "s"), ("role", "s"), ("department", "s"),
        ("account", "q"), ("person", "q"), ("ip", "q"), ("arrival", "d"), ("reaction", "d"),
        ("rtt", "d"),
    )


class IdentityLog(Columns):
    """Every person id in the plan and who controls it (a patient, or a bot crew's pool)."""

    SCHEMA = (("person", "q"), ("account", "q"), ("kind", "s"), ("group", "s"), ("agent", "q"))


class RequestLog(Columns):
    """Every call: planned send (client intent), actual send, arrival at and start of service
    (known in the simulator only; NaN in load runs), and when the client had its answer."""

    SCHEMA = (
        ("agent", "q"), ("op", "s"), ("t_planned", "d"), ("t_sent", "d"), ("t_arrive", "d"),
        ("t_start", "d"), ("t_done", "d"), ("code", "s"),
    )


class EventLog(Columns):
    """Ledger history: ``release``/``return`` (slot becomes bookable), ``hold``, ``confirm``,
    ``expire``, ``cancel``, ``withdraw`` (slot leaves the online pool)."""

    SCHEMA = (
        ("t", "d"), ("event", "s"), ("session", "s"), ("slot", "q"), ("hold_id", "q"),
        ("person", "q"), ("account", "q"), ("count", "q"),
    )


class OutcomeLog(Columns):
    """How each agent's run ended, and what it cost the agent."""

    SCHEMA = (
        ("agent", "q"), ("status", "s"), ("t_end", "d"), ("calls", "q"), ("booking", "q"),
        ("burden_s", "d"), ("captcha_s", "d"), ("queue_s", "d"),
    )


TABLES = ("agents", "identities", "requests", "bookings", "outcomes")


class RunRecords:
    """The five tables of one run (one policy stack, one seed, one replication)."""

    def __init__(self, meta: dict[str, Any], agents: pa.Table, identities: pa.Table, requests: pa.Table,
                 bookings: pa.Table, outcomes: pa.Table, extra: dict[str, Any] | None = None) -> None:
        self.meta = meta
        self.agents = agents
        self.identities = identities
        self.requests = requests
        self.bookings = bookings
        self.outcomes = outcomes
        self.extra = extra or {}

    def tables(self) -> dict[str, pa.Table]:
        """Name → table."""
        return {name: getattr(self, name) for name in TABLES}

    def write(self, folder: Path) -> None:
        """Write each table as ``folder/<table>.parquet``."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables().items():
            pq.write_table(table, folder / f"{name}.parquet", compression="zstd")


def concat(runs: Iterable[RunRecords]) -> dict[str, pa.Table]:
    """Stack the same table of many runs."""
    runs = list(runs)
    return {name: pa.concat_tables([r.tables()[name] for r in runs], promote_options="default")
            for name in TABLES}


def read_records(folder: Path) -> dict[str, pa.Table]:
    """Read the tables a run directory holds."""
    return {name: pq.read_table(folder / f"{name}.parquet") for name in TABLES
            if (folder / f"{name}.parquet").exists()}
