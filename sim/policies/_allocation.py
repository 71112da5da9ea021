"""Shared bits of the policies that hand slots to chosen persons themselves (lottery, waitlist)
instead of letting the fastest request take them (not a policy module: the registry skips ``_``)."""

from __future__ import annotations

from collections.abc import Iterable

from sim.domain.port import Hold, LedgerPort, hold_body

__all__ = ["hold_body", "hold_first_free", "sessions_by_department"]


def sessions_by_department(session_department: dict[str, str]) -> dict[str, list[str]]:
    """Department → its sessions, in supply order (derived once from the fixed supply)."""
    out: dict[str, list[str]] = {}
    for session, dept in session_department.items():
        out.setdefault(dept, []).append(session)
    return out


def hold_first_free(
    ledger: LedgerPort, sessions: Iterable[str], person: int, account: int, now: float, ttl: float
) -> Hold | None:
    """Hold a free slot for ``person`` in the first of ``sessions`` that has one (or None)."""
    for sid in sessions:
        st = ledger.session_view(sid, now)
        if st is not None and st.remaining > 0:
            h = ledger.hold(sid, person, account, now, ttl)
            if isinstance(h, Hold):
                return h
    return None
