"""A stable policy → colour mapping, so one policy has one colour in every figure of a report.

The headline policies have fixed colours (FCFS, the baseline, is always dark grey). Any other
label gets a colour from its name's checksum, so it keeps that colour from one report to the
next; when two labels of the same report would collide, the later one (in sorted order) moves
to the next free colour.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

__all__ = ["FIXED", "PALETTE", "PolicyColours", "base_name"]

# Tableau 10 without its grey (reserved for FCFS), then extra distinguishable hues.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
)
FCFS_GREY = "#4d4d4d"
FIXED = {
    "fcfs": FCFS_GREY,
    "randomized_release": PALETTE[0],
    "lottery": PALETTE[2],
    "waiting_room": PALETTE[1],
    "captcha": PALETTE[4],
    "rate_limit": PALETTE[3],
    "rate_limit_ip": PALETTE[3],
    "real_name": PALETTE[5],
    "blacklist": PALETTE[6],
    "slow_queue": PALETTE[7],
    "returned_slots": PALETTE[8],
}


def base_name(label: str) -> str:
    """The policy name of a stack label: ``rate_limit(key=ip)`` → ``rate_limit``; a stack
    ``real_name+lottery`` keeps its full text (a stack is its own policy)."""
    if "+" in label:
        return label
    return label.split("(", 1)[0]


class PolicyColours:
    """Colours for the policy labels of one report; ``colours[label]`` works for any label."""

    def __init__(self, labels: Iterable[str] = ()) -> None:
        self._colour: dict[str, str] = {}
        for label in sorted(set(labels), key=_fixed_first):
            self._assign(label)

    def __getitem__(self, label: str) -> str:
        if label not in self._colour:
            self._assign(label)
        return self._colour[label]

    def __contains__(self, label: object) -> bool:
        return label in self._colour

    def items(self) -> list[tuple[str, str]]:
        """(label, colour) pairs assigned so far."""
        return list(self._colour.items())

    def _assign(self, label: str) -> None:
        used = set(self._colour.values())
        wanted = FIXED.get(base_name(label))
        if wanted is not None and wanted not in used:
            self._colour[label] = wanted
            return
        start = zlib.crc32(label.encode()) % len(PALETTE)
        for step in range(len(PALETTE)):
            colour = PALETTE[(start + step) % len(PALETTE)]
            if colour not in used:
                self._colour[label] = colour
                return
        self._colour[label] = PALETTE[start]  # more policies than colours: reuse, deterministically


def _fixed_first(label: str) -> tuple[int, str]:
    # Labels with a fixed colour claim it before hashed labels can take it.
    return (0 if base_name(label) in FIXED else 1, label)
