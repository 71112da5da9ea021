"""Randomness is explicit: named seeded streams, and no global RNG anywhere in the code."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from sim.rng import Streams

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("sim", "targets", "reports")
# numpy.random names that build explicit, seeded generators rather than use the global one
ALLOWED_NUMPY = frozenset({"default_rng", "Generator", "PCG64", "SeedSequence", "BitGenerator"})


def test_same_name_and_index_give_the_same_draws_in_any_creation_order():
    a = Streams(42, 3)
    first = a.generator("agent", 7).random(5)
    a.generator("arrivals").random(100)  # another stream in between shifts nothing
    again = Streams(42, 3).generator("agent", 7).random(5)
    assert np.array_equal(first, again)


def test_streams_differ_by_name_index_seed_and_replication():
    base = Streams(42, 0).generator("agent", 1).random(4)
    for other in (Streams(42, 0).generator("agent", 2), Streams(42, 0).generator("service", 1),
                  Streams(43, 0).generator("agent", 1), Streams(42, 1).generator("agent", 1)):
        assert not np.array_equal(base, other.random(4))


def test_generator_draws_exactly_what_the_canonical_seed_sequence_gives():
    # seeds of 1, 2, 3 and 5 words (a seed longer than the pool is mixed past it), the largest
    # 32-bit replication and index, several index words, and keys the fast path leaves to numpy
    for seed in (0, 1, 20261122, 2**32 + 5, 2**63 - 1, 2**96 + 3, 2**130 + 7):
        for rep, index in ((0, ()), (3, (0,)), (7, (123_456,)), (1, (2, 9)), (0, (2**40,)),
                           (2**32 - 1, (2**32 - 1,)), (5, (1, 2, 3, 4, 5)), (2**33, (4,))):
            streams = Streams(seed, rep)
            canonical = np.random.Generator(np.random.PCG64(streams.sequence("agent", *index)))
            assert np.array_equal(streams.generator("agent", *index).random(8), canonical.random(8))


def global_rng_calls(source: str) -> list[str]:
    """Calls of the stdlib ``random`` module's functions or of ``numpy.random``'s global ones."""
    tree = ast.parse(source)
    modules: dict[str, str] = {}  # local name → "random" | "numpy" | "numpy.random"
    direct: dict[str, str] = {}  # local name → qualified function imported from one of them
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("random", "numpy", "numpy.random"):
                    modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in ("random", "numpy.random",
                                                                   "numpy"):
            for alias in node.names:
                qual = f"{node.module}.{alias.name}"
                if qual == "numpy.random":
                    modules[alias.asname or alias.name] = qual
                elif node.module != "numpy":
                    direct[alias.asname or alias.name] = qual
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _qualified(node.func, modules, direct)
        if name is None:
            continue
        mod, _, func = name.rpartition(".")
        if mod == "random" or (mod == "numpy.random" and func not in ALLOWED_NUMPY):
            found.append(f"line {node.lineno}: {name}()")
    return found


def _qualified(func: ast.expr, modules: dict[str, str], direct: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    if not parts:
        return direct.get(func.id)
    if func.id not in modules:
        return None
    return ".".join([modules[func.id], *reversed(parts)])


def test_the_scanner_catches_every_form_of_global_rng_use():
    bad = """
import random
import random as r
import numpy as np
import numpy.random as npr
from numpy import random as nr
from random import shuffle
random.random(); r.choice([1]); np.random.rand(); npr.seed(1); nr.normal(); shuffle([])
np.random.default_rng(1).random(); np.random.Generator(np.random.PCG64(1))
"""
    assert [f.split(": ")[1] for f in global_rng_calls(bad)] == [
        "random.random()", "random.choice()", "numpy.random.rand()", "numpy.random.seed()",
        "numpy.random.normal()", "random.shuffle()"]


def test_no_global_rng_in_the_code():
    offenders = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            for hit in global_rng_calls(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)} {hit}")
    assert not offenders, "global RNG used (take an rng argument instead):\n" + "\n".join(offenders)
