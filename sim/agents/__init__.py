"""Agents written once: patients and bots as generators of Wait/Call actions."""

from collections.abc import Callable

import numpy as np

from sim.agents.actions import AgentScript
from sim.agents.bot import bot
from sim.agents.patient import patient
from sim.agents.resale import buyer
from sim.agents.spec import AgentSpec

Script = Callable[[AgentSpec, np.random.Generator], AgentScript]


def script_for(role: str) -> Script:
    """The generator function that plays agents of this role."""
    scripts: dict[str, Script] = {"patient": patient, "bot": bot, "buyer": buyer}
    try:
        return scripts[role]
    except KeyError:
        raise KeyError(f"no agent script for role {role!r}; known: {sorted(scripts)}") from None
