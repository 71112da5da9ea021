"""A policy stack as a scenario names it: registered policy names and their parameters.

It lives with the policies (the scenario imports it), so the registry and the stack need no
scenario code and validating a scenario's stacks is a plain call downwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PolicySpec", "stack_label"]


class PolicySpec(BaseModel):
    """One entry of a policy stack: a registered policy name and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short name for tables: the policy name, with its parameters if any."""
        if not self.params:
            return self.name
        inner = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.name}({inner})"


def stack_label(stack: Iterable[PolicySpec]) -> str:
    """The label of a policy stack (``real_name+rate_limit(key=account)``): how records, tables
    and reports name the policy a run was under."""
    return "+".join(p.label for p in stack)
