"""``slotgrab adapter check``: one pass of every hook against the live target, each field checked.

Steps, in the order a load run makes them: build the adapter; ``prepare`` (setup hooks, login);
``load`` with T0 a moment from now (load hooks, release hooks scheduled) and ``begin``; wait
for T0; ``list_sessions``; ``hold`` on a listed session with free slots; ``confirm``; the
export (it must show the confirmed hold, and replay without an invariant broken); ``cancel``;
the export again (the hold must no longer stand). Every answer field agents read is checked
for its type. Each problem is one line; :func:`check_adapter` returns them with the steps
that passed, so the command can print both and exit non-zero on any problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from sim.domain.invariants import find_violations
from sim.drivers.adapter import (
    Answer,
    TargetAdapter,
    answer_with_context,
    begin_run,
    prepare_with_scenario,
)
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.hold_ids import hold_key
from sim.drivers.load.truth import capacities_of, event_log_of
from sim.scenario.model import Scenario

__all__ = ["CheckReport", "check_adapter"]

EVENTS = ("release", "hold", "confirm", "cancel", "expire")
_ACCOUNT = _PERSON = 9_100_000_001  # far from any plan's identities


@dataclass
class CheckReport:
    """Steps that passed and problems found (one line each)."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        """A step that passed."""
        self.passed.append(line)

    def bad(self, line: str) -> None:
        """A problem."""
        self.problems.append(line)


def _is_time(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v))


def _call(adapter: TargetAdapter, client: httpx.Client, op: str, args: dict[str, Any]) -> Answer:
    req = adapter.request(op, args)
    if req.local is not None:
        return req.local
    r = client.request(req.method, req.path, headers=req.headers, json=req.json)
    try:
        body = r.json() if r.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {"data": body}
    headers = {k.lower(): v for k, v in r.headers.items()}
    return answer_with_context(adapter, op, req, r.status_code, body, headers)


def _check_sessions(rep: CheckReport, ans: Answer, sc: Scenario) -> str | None:
    """A listed session of the scenario with free slots (the one to hold), checking each field."""
    sessions = ans.body.get("sessions")
    if ans.code != "ok" or not isinstance(sessions, list):
        rep.bad(f"list_sessions: answered {ans.code} with no 'sessions' list ({ans.body!r:.120})")
        return None
    for i, s in enumerate(sessions):
        if not isinstance(s, dict) or not isinstance(s.get("id"), str):
            rep.bad(f"list_sessions: sessions[{i}].id is not a string ({s!r:.80})")
        elif not isinstance(s.get("remaining"), int) or s["remaining"] < 0:
            rep.bad(f"list_sessions: sessions[{i}].remaining is not a count ≥ 0 ({s.get('remaining')!r})")
        elif not _is_time(s.get("opens_at")):
            rep.bad(f"list_sessions: sessions[{i}].opens_at is not seconds from T0 ({s.get('opens_at')!r})")
    wanted = set(capacities_of(sc))
    listed = [s for s in sessions if isinstance(s, dict) and s.get("id") in wanted]
    if not listed:
        rep.bad(f"list_sessions: none of the scenario's sessions {sorted(wanted)} is listed "
                f"(listed: {[s.get('id') for s in sessions if isinstance(s, dict)][:5]})")
        return None
    free = [s["id"] for s in listed if isinstance(s.get("remaining"), int) and s["remaining"] > 0]
    if not free:
        rep.bad("list_sessions: no session of the scenario has a free slot; nothing to hold")
        return None
    rep.ok(f"list_sessions: {len(sessions)} session(s), {free[0]} has free slots")
    return str(free[0])


def _check_hold(rep: CheckReport, ans: Answer, session: str) -> Any:
    if ans.code != "ok":
        rep.bad(f"hold: answered {ans.code} for session {session} ({ans.body!r:.120})")
        return None
    hold = ans.body.get("hold_id")
    if hold is None or isinstance(hold, bool | dict | list):
        rep.bad(f"hold: hold_id is missing or not a scalar ({hold!r}); agents send it back as 'hold'")
        return None
    if ans.body.get("session") not in (None, session):
        rep.bad(f"hold: session {ans.body.get('session')!r} is not the one held ({session!r})")
    if not _is_time(ans.body.get("expires_at")):
        rep.bad(f"hold: expires_at is not seconds from T0 ({ans.body.get('expires_at')!r})")
    rep.ok(f"hold: ok, hold_id {hold!r}")
    return hold


def _check_events(rep: CheckReport, events: list[dict[str, Any]], sc: Scenario, when: str) -> bool:
    bad = 0
    for i, e in enumerate(events):
        problem = None
        if e.get("event") not in EVENTS:
            problem = f"event {e.get('event')!r} is not one of {list(EVENTS)}"
        elif not _is_time(e.get("t")) or e.get("t") is None:
            problem = f"t {e.get('t')!r} is not a finite number of seconds from T0"
        elif not isinstance(e.get("session"), str):
            problem = f"session {e.get('session')!r} is not a string"
        elif e["event"] != "release" and e.get("hold_id") is None:
            problem = "hold_id is missing"
        else:
            try:
                int(e["person"] if e.get("person") is not None else -1)
            except (TypeError, ValueError):
                problem = f"person {e.get('person')!r} is not the integer id slotgrab sent"
        if problem:
            bad += 1
            if bad <= 5:
                rep.bad(f"export ({when}): events[{i}]: {problem}")
    if bad:
        return False
    for v in find_violations(event_log_of(events).to_arrow(), capacities_of(sc)):
        rep.bad(f"export ({when}): replay: {v.kind} in {v.session}: {v.detail}")
        bad += 1
    return not bad


def _standing(events: list[dict[str, Any]], hold: Any) -> str | None:
    key, last = hold_key(hold), None
    for e in sorted(events, key=lambda e: e["t"]):
        if hold_key(e.get("hold_id")) == key:
            last = e["event"]
    return last


def _export(rep: CheckReport, adapter: TargetAdapter, client: httpx.Client, token: str | None,
            sc: Scenario, hold: Any, when: str) -> str | None:
    """The hold's last exported event (None: not exported; ``unreadable``: the export failed)."""
    try:
        events = adapter.export_events(client, token)
    except Exception as exc:  # the check reports any failure of the hook as a problem line
        rep.bad(f"export ({when}): {type(exc).__name__}: {exc}")
        return "unreadable"
    if _check_events(rep, events, sc, when):
        rep.ok(f"export ({when}): {len(events)} event(s), fields and replay fine")
    return _standing(events, hold)


def check_adapter(
    base_url: str, spec: str | None, options: dict[str, str], sc: Scenario,
    admin_token: str | None = None, lead_s: float = 0.5,
) -> CheckReport:
    """Run every hook once against ``base_url`` and check what comes back."""
    rep = CheckReport()
    try:
        adapter = load_adapter(spec, options)
    except ValueError as exc:
        rep.bad(str(exc))
        return rep
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        try:
            _steps(rep, adapter, client, admin_token, sc, lead_s)
        except Exception as exc:  # a hook that raises is a problem to report, not a traceback
            rep.bad(f"{type(exc).__name__}: {exc}".replace("\n", " "))
    return rep


def _steps(rep: CheckReport, adapter: TargetAdapter, client: httpx.Client, token: str | None,
           sc: Scenario, lead_s: float) -> None:
    state = prepare_with_scenario(adapter, client, token, {_ACCOUNT: [_PERSON]}, sc)
    adapter.bind(state)
    rep.ok(f"prepare: ok (state keys: {sorted(state)})")
    warm = adapter.warmup_request()
    if warm is not None:
        r = client.request(warm.method, warm.path, headers=warm.headers)
        (rep.ok if r.is_success else rep.bad)(f"warm-up: {warm.method} {warm.path} → HTTP {r.status_code}")
    t0 = time.time() + lead_s
    adapter.load(client, token, sc, t0, 0)
    begin_run(adapter, sc, t0, 0)
    rep.ok("load: ok (T0 set, release hooks scheduled)")
    time.sleep(max(t0 - time.time(), 0.0) + 0.3)  # let T0 pass: the release hooks fire
    ident = {"account": _ACCOUNT, "person": _PERSON, "ip": 1}
    dept = sc.supply.departments[0].id
    session = _check_sessions(rep, _call(adapter, client, "list_sessions", {**ident, "department": dept}), sc)
    if session is None:
        return
    hold = _check_hold(rep, _call(adapter, client, "hold", {**ident, "session": session}), session)
    if hold is None:
        return
    c = _call(adapter, client, "confirm", {**ident, "hold": hold})
    (rep.ok if c.code == "ok" else rep.bad)(f"confirm: {c.code}")
    standing = _export(rep, adapter, client, token, sc, hold, "after confirm")
    if standing not in ("confirm", "unreadable"):
        rep.bad(f"export (after confirm): hold {hold!r} is not shown confirmed (its last event: "
                f"{standing}); the truth join needs the same hold_id in the answer and the export")
    x = _call(adapter, client, "cancel", {**ident, "hold": hold})
    if x.code != "ok":
        rep.ok(f"cancel: {x.code} (agents that cancel get this answer; map cancel if the API has it)")
        return
    rep.ok("cancel: ok")
    if _export(rep, adapter, client, token, sc, hold, "after cancel") == "confirm":
        rep.bad(f"export (after cancel): hold {hold!r} still stands confirmed")
