"""A read-only view of one run's record tables, with the derived facts several metrics share.

Metrics are pure functions of the records (:mod:`sim.records`): they never look at the scenario
or the driver, so the same code measures a simulated run and a load run. What many metrics need
— which persons belong to bot crews, which holds are confirmed at the end, which agents are
patients — is derived here once, lazily, from the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["FinalBookings", "RunView", "column"]


def column(table: pa.Table, name: str, dtype: Any = None) -> np.ndarray:
    """One column as a numpy array (strings become an object array)."""
    col = table.column(name)
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    arr = col.to_numpy()
    return arr.astype(dtype) if dtype is not None else arr


@dataclass(frozen=True, slots=True)
class FinalBookings:
    """Bookings confirmed at the end of the run: one entry per hold id still confirmed."""

    hold_id: np.ndarray
    person: np.ndarray
    t_confirmed: np.ndarray
    session: np.ndarray

    def __len__(self) -> int:
        return len(self.hold_id)


@dataclass
class RunView:
    """The tables of one run (``agents``, ``identities``, ``requests``, ``bookings``,
    ``outcomes``) plus ``meta`` (e.g. ``capacities``: session → slots), with cached derivations."""

    tables: dict[str, pa.Table]
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> pa.Table:
        """A table by name (KeyError naming the tables present otherwise)."""
        if name not in self.tables:
            raise KeyError(f"records have no {name!r} table; present: {sorted(self.tables)}")
        return self.tables[name]

    # ---- agents -----------------------------------------------------------------------------
    @cached_property
    def patient_agents(self) -> np.ndarray:
        """Agent ids of the patients."""
        return self.patient_trait("agent").astype(np.int64)

    @cached_property
    def patient_persons(self) -> np.ndarray:
        """Person id of each patient, aligned with :attr:`patient_agents`."""
        return self.patient_trait("person").astype(np.int64)

    @cached_property
    def patient_segments(self) -> np.ndarray:
        """Segment of each patient, aligned with :attr:`patient_agents`."""
        return self.patient_trait("group")

    def patient_trait(self, name: str) -> np.ndarray:
        """An ``agents`` column (e.g. ``arrival``, ``reaction``) for the patients, aligned with
        :attr:`patient_agents`."""
        agents = self.table("agents")
        return column(agents, name)[column(agents, "kind") == "patient"]

    @cached_property
    def is_patient_agent(self) -> np.ndarray:
        """Boolean array indexed by agent id: is this agent a patient?"""
        agents = column(self.table("agents"), "agent").astype(np.int64)
        mask = np.zeros(int(agents.max()) + 1 if len(agents) else 0, dtype=bool)
        mask[self.patient_agents] = True
        return mask

    def patient_mask_of(self, agent_ids: np.ndarray) -> np.ndarray:
        """For each agent id in ``agent_ids``: is it a patient (unknown ids are not)?"""
        mask = self.is_patient_agent
        inside = (agent_ids >= 0) & (agent_ids < len(mask))
        out = np.zeros(len(agent_ids), dtype=bool)
        out[inside] = mask[agent_ids[inside]]
        return out

    # ---- identities -------------------------------------------------------------------------
    @cached_property
    def bot_persons(self) -> np.ndarray:
        """Sorted person ids controlled by bot crews (their pools, per the identities table)."""
        ids = self.table("identities")
        return np.unique(column(ids, "person")[column(ids, "kind") == "bot"].astype(np.int64))

    def is_bot_person(self, persons: np.ndarray) -> np.ndarray:
        """For each person id: does a bot crew control it?"""
        return np.isin(persons, self.bot_persons)

    # ---- bookings ---------------------------------------------------------------------------
    @cached_property
    def final_bookings(self) -> FinalBookings:
        """Holds whose last lifecycle event is ``confirm`` (not later cancelled or expired)."""
        b = self.table("bookings")
        event = column(b, "event")
        life = np.isin(event, ("hold", "confirm", "cancel", "expire"))
        t = column(b, "t", np.float64)[life]
        hid = column(b, "hold_id", np.int64)[life]
        ev = event[life]
        person = column(b, "person", np.int64)[life]
        session = column(b, "session")[life]
        order = np.lexsort((np.arange(len(t)), t, hid))  # by hold, then time, then log order
        hid, ev, t, person, session = hid[order], ev[order], t[order], person[order], session[order]
        last = np.r_[hid[1:] != hid[:-1], True] if len(hid) else np.zeros(0, dtype=bool)
        keep = last & (ev == "confirm")
        return FinalBookings(hid[keep], person[keep], t[keep], session[keep])

    @cached_property
    def released_slots(self) -> int:
        """Slots made bookable for the first time (``release`` events), over all sessions; when
        the history has no release events (an export that omits them), the capacities in
        ``meta``."""
        b = self.table("bookings")
        released = column(b, "event") == "release"
        if not released.any() and "capacities" in self.meta:
            return int(sum(self.meta["capacities"].values()))
        return int(column(b, "count", np.int64)[released].sum())

    @cached_property
    def patient_success(self) -> np.ndarray:
        """Per patient (aligned with :attr:`patient_agents`): holds a confirmed booking at the
        end."""
        return np.isin(self.patient_persons, self.final_bookings.person)

    @cached_property
    def patient_booked_at(self) -> np.ndarray:
        """Per patient: when their finally-confirmed booking was confirmed (NaN if none)."""
        fb = self.final_bookings
        order = np.argsort(fb.person, kind="stable")
        persons, times = fb.person[order], fb.t_confirmed[order]
        out = np.full(len(self.patient_persons), np.nan)
        if len(persons):
            pos = np.searchsorted(persons, self.patient_persons)
            pos = np.minimum(pos, len(persons) - 1)
            hit = persons[pos] == self.patient_persons
            out[hit] = times[pos[hit]]
        return out

    # ---- requests ---------------------------------------------------------------------------
    @cached_property
    def request_codes(self) -> np.ndarray:
        """Outcome code of every request (object array)."""
        return column(self.table("requests"), "code")

    @cached_property
    def request_is_patient(self) -> np.ndarray:
        """Per request: was it sent by a patient?"""
        return self.patient_mask_of(column(self.table("requests"), "agent", np.int64))
