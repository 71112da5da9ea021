"""One agent of the plan, as every agent script and both drivers see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["AgentSpec"]


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent of the plan. Patients have one account/person/ip; a bot lane has pools."""

    agent: int
    kind: str  # "patient" | "bot"
    role: str  # which script runs it: "patient", "bot"
    group: str  # patient segment or bot crew
    department: str
    sessions: tuple[str, ...]  # sessions wanted, in order of preference
    accounts: tuple[int, ...]
    persons: tuple[int, ...]
    ips: tuple[int, ...]
    arrival: float  # seconds relative to T0
    reaction: float  # seconds; a personal trait
    rtt: float  # seconds, round trip
    params: Any  # the PatientSegment or BotCrew
    market: Any = None  # the run's resale market (sim.agents.resale.Market), shared by reference
    lanes: int = 1  # bot lanes: how many lanes this lane's device runs (its concurrency)
    crew_lanes: int = 1  # bot lanes: how many lanes the whole crew runs
    route: tuple[tuple[str, tuple[str, ...]], ...] = ()  # bot lanes: (department, sessions) in order

    @property
    def account(self) -> int:
        return self.accounts[0]

    @property
    def person(self) -> int:
        return self.persons[0]

    @property
    def ip(self) -> int:
        return self.ips[0]
