"""``compare --adaptive``: every policy stack faced with the attack searched against it.

Each stack gets its own search (same settings, same search seed), so every policy meets the
best attack found *for it*; stacks are then ranked by that worst case
(:func:`sim.attack.verdict.rank_by_worst`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

from sim.attack.search import search_attack
from sim.attack.verdict import attack_doc
from sim.scenario.attack import AttackSettings
from sim.scenario.model import PolicySpec, Scenario

__all__ = ["adaptive_compare", "adaptive_settings"]


def adaptive_settings(base: Scenario, trials: int | None = None) -> AttackSettings:
    """The scenario's attack settings (or the defaults), with a smaller default search per
    stack: a comparison runs one search per stack."""
    settings = base.attack or AttackSettings()
    if trials is not None:
        return settings.model_copy(update={"trials": trials})
    if base.attack is None:
        return settings.model_copy(update={"trials": 16, "seeds": 2, "confirm_seeds": 6})
    return settings


def adaptive_compare(base: Scenario, stacks: Sequence[tuple[PolicySpec, ...]], settings: AttackSettings,
                     seed: int, executor: Executor | None = None,
                     on_cell: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """One search per stack; the attack documents in stack order."""
    return [attack_doc(search_attack(base.with_policies(stack), settings, seed, executor, on_cell))
            for stack in stacks]
