"""The mypyc-compiled hot path (sim/compiled.py) gives the very records the pure-Python sources
give, and SLOTGRAB_PURE_PYTHON=1 really runs the sources. Each side runs in a fresh interpreter:
which build a module comes from is fixed when it is first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.compiled import COMPILED, PURE_ENV
from sim.compiled import _extension as extension_of

ROOT = Path(__file__).resolve().parents[2]

# Hash every table (schema and values, floats by repr) and the meta of a few runs whose stacks
# reach most of the compiled code: the tie-breaking heap, patients and bot lanes, policy gates,
# slow lane, waiting room, resale.
_CHILD = r"""
import hashlib, json, sys
from sim.compiled import compiled_modules
from sim.drivers.simpy_driver import run_simulation
from sim.scenario import load_scenario

def digest(table):
    h = hashlib.sha256(repr(table.schema).encode())
    for name in table.column_names:
        h.update(repr(table.column(name).to_pylist()).encode())
    return h.hexdigest()

out = {}
for name, stack in (("release-peak", None), ("release-peak", "captcha"),
                    ("release-peak", "waiting_room"), ("overload", None),
                    ("cancel-rebook", None)):
    sc = load_scenario(name)
    if stack is not None:
        sc = sc.with_policies(next(s for s in sc.compare if s[0].name == stack))
    for rep in (0, 1):
        r = run_simulation(sc, rep)
        out[f"{name}|{sc.policy_label}|{rep}"] = {
            **{t: digest(v) for t, v in r.tables().items()},
            "meta": hashlib.sha256(repr(sorted(r.meta.items())).encode()).hexdigest()}
print(json.dumps({"compiled": compiled_modules(), "records": out}))
"""


def _run(pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    if pure:
        env[PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=600)
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.slow
def test_compiled_and_pure_python_runs_write_identical_records() -> None:
    if not all(extension_of(name) for name in COMPILED):
        pytest.skip("the hot path is not compiled here (`make compile`): nothing to compare")
    compiled, pure = _run(pure=False), _run(pure=True)
    assert compiled["compiled"] and all(compiled["compiled"].values())  # type: ignore[union-attr]
    assert pure["compiled"] and not any(pure["compiled"].values())  # type: ignore[union-attr]
    assert compiled["records"] == pure["records"]
