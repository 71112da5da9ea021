"""First come, first served: the baseline."""

from __future__ import annotations

from sim.policies.base import Policy
from sim.policies.registry import register


@register
class FCFS(Policy):
    """First come, first served: every slot goes online at the release instant and the first
    requests to reach the service take them. No checks, no delays; freed slots return at once.
    This is what the seed reports describe, and the baseline every policy is compared with."""

    name = "fcfs"
