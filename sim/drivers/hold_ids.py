"""Hold ids of any shape (integers, UUIDs, composite strings) as the records' int64 keys.

A target's hold id travels opaquely: agents pass back whatever the answer carried (``{"hold":
body["hold_id"]}``), adapters put it into paths and bodies unchanged. Only the records need an
integer (``bookings.hold_id``, ``outcomes.booking`` are int64, shared with the simulator), so
the load driver keys each id with :func:`hold_key`: an integer (or a decimal string of one)
keeps its value, anything else becomes a stable 62-bit hash above every such integer. The
function is pure, so every Locust worker and the controlling process key the same id alike and
the truth join (export ↔ acknowledgements ↔ outcomes) needs no shared table; the originals are
kept beside the records (``hold_ids`` table) so a report can show them.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["HASHED_FROM", "MISSING", "hold_key", "is_hashed"]

MISSING = -1
HASHED_FROM = 1 << 62  # hashed keys live in [2**62, 2**63); plain integer ids below that
_MASK = HASHED_FROM - 1


def hold_key(value: Any) -> int:
    """The int64 key of a hold id (``-1`` for None/empty)."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) and -HASHED_FROM < value < HASHED_FROM:
        return value
    text = str(value)
    if text.isdigit() and len(text) < 19 and int(text) < HASHED_FROM:
        return int(text)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return HASHED_FROM | (int.from_bytes(digest, "big") & _MASK)


def is_hashed(key: int) -> bool:
    """Whether ``key`` came from a non-integer id (its original is in the ``hold_ids`` table)."""
    return key >= HASHED_FROM
