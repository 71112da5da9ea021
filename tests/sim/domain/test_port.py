"""Both ledgers implement the ledger port, and report the same session fields.

mypy checks the conformance statically where each ledger is handed to
``sim.service.assembly.build_service`` (typed to ``LedgerPort``); this test checks it at run
time too, member by member, so a member added to one ledger's view only is caught here.
"""

from __future__ import annotations

import dataclasses

from sim.domain.ledger import Ledger, SessionState
from sim.domain.port import LedgerPort, SessionInfo
from targets.reference.db import SqliteDatabase
from targets.reference.ledger import SessionView, SqlLedger
from targets.reference.schema import create_schema

SESSION_FIELDS = {n for n in dir(SessionInfo) if not n.startswith("_")}


def _sql_ledger() -> SqlLedger:
    db = SqliteDatabase(":memory:")
    with db.transaction():
        create_schema(db)
    return SqlLedger(db)


def test_both_ledgers_are_ledger_ports() -> None:
    assert isinstance(Ledger(), LedgerPort)
    assert isinstance(_sql_ledger(), LedgerPort)


def test_the_port_names_the_fields_a_session_view_has() -> None:
    assert {"session", "remaining", "released", "held", "confirmed", "release_at"} <= SESSION_FIELDS
    view_fields = {f.name for f in dataclasses.fields(SessionView)}
    assert view_fields == SESSION_FIELDS  # the SQL view carries exactly the port's fields
    assert set(dir(SessionState)) >= SESSION_FIELDS


def test_both_ledgers_answer_a_session_view_with_the_port_fields() -> None:
    for ledger in (Ledger(), _sql_ledger()):
        ledger.add_session("s1", "d1", "2026-01-01", 3, [(0.0, 3)])
        view = ledger.session_view("s1", 1.0)
        assert isinstance(view, SessionInfo)
        got = {n: getattr(view, n) for n in sorted(SESSION_FIELDS)}
        assert got == {"capacity": 3, "confirmed": 0, "date": "2026-01-01", "department": "d1",
                       "held": 0, "release_at": 0.0, "released": 3, "remaining": 3, "session": "s1"}
