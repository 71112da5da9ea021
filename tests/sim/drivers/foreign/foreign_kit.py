"""Shared constants of the foreign-service tests (a module of its own name: every test folder
has a ``conftest``, so importing from one by name picks whichever was loaded first)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["GATED", "HERE"]

HERE = Path(__file__).parent

# Gates for a CI run of the burst; the generator-lag gate is explicit and loose so a busy test
# machine cannot make the verdict inconclusive.
GATED = """
gates:
  load: ["lost_ack == 0", "overbooked == 0", "generator_lag_p99_ms < 5000"]
"""
