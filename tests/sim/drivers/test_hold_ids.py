"""Hold ids of any shape become int64 record keys, the same in every process."""

from __future__ import annotations

import subprocess
import sys
import uuid

from sim.drivers.hold_ids import HASHED_FROM, hold_key, is_hashed


def test_integers_keep_their_value_and_missing_is_minus_one() -> None:
    assert hold_key(17) == 17 and hold_key("17") == 17
    assert hold_key(None) == -1 and hold_key("") == -1
    assert not is_hashed(hold_key(2**40))


def test_uuids_are_hashed_apart_from_integers_and_stable_across_processes() -> None:
    ids = [str(uuid.UUID(int=i)) for i in range(1, 2001)]
    keys = [hold_key(i) for i in ids]
    assert len(set(keys)) == len(ids) and all(HASHED_FROM <= k < 2**63 for k in keys)
    other = subprocess.run(  # a Locust worker keys the same id alike (no salted hash)
        [sys.executable, "-c", f"from sim.drivers.hold_ids import hold_key; print(hold_key({ids[0]!r}))"],
        capture_output=True, text=True, check=True)
    assert int(other.stdout) == keys[0]
