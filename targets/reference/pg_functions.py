"""PostgreSQL only: the booking operations as server-side functions, one round trip each.

When the loaded policy stack is *plain* (no policy looks at requests, observes replies or
decides when a freed slot returns — FCFS, randomized release), a listing, hold, confirm or
cancel needs nothing from Python but the clock (and, for a listing, its session ids), so
:mod:`targets.reference.direct` answers it with a single prepared ``SELECT * FROM sg_<op>(…)``
in autocommit: the statement is its own transaction and its own commit. Each function does,
in order, what the Python path does in ~9 round trips:

1. ``sg_enter`` — the request's person (the account's first person when none is named; codes
   ``unauthorized``/``forbidden`` as ``Accounts.person_for`` gives them), the advisory locks on
   account and person that ``Runtime.handle`` takes, and the generation check (``stale``: another
   worker loaded another scenario; the caller falls back to the Python path, which reloads);
2. ``sg_expire_due`` — ``SqlLedger.advance`` with the immediate return rule of a plain stack:
   every hold due by ``now`` expires at its due time and its slot is free again at once, with
   the same ``expire``/``return`` events;
3. the operation itself with the statements and the events of ``SqlLedger.hold``/``confirm``/
   ``cancel`` (a hold is still one conditional ``UPDATE … FOR UPDATE SKIP LOCKED``);
4. the ``audit`` row ``Runtime.handle`` writes.

``sg_batch`` runs several such calls (arrays, one element per call) in ONE transaction —
:mod:`targets.reference.direct_batch`'s group commit: it first takes every advisory lock of the
batch in (class, key) order, then calls each op's function in arrival order, and returns one
row per op (the seven columns above plus a listing's ``o_remaining``).

``sg_list`` (``list_sessions``) returns the code, the person and the ``remaining`` count of each
session it was given, in that order; the others return ``(code, hold_id, session, slot, person,
expires_at, state)``: the reply code and the hold the reply carries (NULLs when it carries
none). The parity tests run FCFS and randomized release through these functions and compare
every reply and booking event with the simulator's. OUT columns are prefixed ``o_`` so they
never shadow a table column.
"""

from __future__ import annotations

from targets.reference.db import Database

__all__ = ["FUNCTIONS", "install_functions"]

_OUT = ("OUT o_code text, OUT o_hold_id bigint, OUT o_session text, OUT o_slot integer, "
        "OUT o_person bigint, OUT o_expires_at double precision, OUT o_state text")

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION sg_enter(p_gen bigint, p_account bigint, p_person bigint, p_check boolean,
    OUT o_code text, OUT o_person bigint) LANGUAGE plpgsql AS $fn$
BEGIN
  o_person := p_person;
  IF p_check THEN  -- Accounts.person_for: no persons → unauthorized; a foreign person → forbidden
    IF p_person IS NULL THEN
      SELECT min(person) INTO o_person FROM persons WHERE account = p_account;
      IF o_person IS NULL THEN o_code := 'unauthorized'; RETURN; END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM persons WHERE account = p_account AND person = p_person) THEN
      o_code := CASE WHEN EXISTS (SELECT 1 FROM persons WHERE account = p_account)
                     THEN 'forbidden' ELSE 'unauthorized' END;
      RETURN;
    END IF;
  END IF;
  -- the locks, then the generation, in one statement (as Runtime.handle reads them)
  SELECT CASE WHEN coalesce((SELECT value FROM meta WHERE key = 'generation'), '0')::bigint = p_gen
              THEN 'go' ELSE 'stale' END INTO o_code
    FROM (SELECT pg_advisory_xact_lock(1, mod(p_account, 2147483647)::int),
                 pg_advisory_xact_lock(2, mod(o_person, 2147483647)::int)) AS locked;
END $fn$;

CREATE OR REPLACE FUNCTION sg_expire_due(p_now double precision) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE h record;
BEGIN
  FOR h IN SELECT hold_id, session, slot, person, account, expires_at FROM holds
           WHERE state = 'held' AND expires_at <= p_now ORDER BY expires_at, hold_id LOOP
    UPDATE holds SET state = 'expired' WHERE hold_id = h.hold_id AND state = 'held';
    IF FOUND THEN  -- another request may have expired it meanwhile
      INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
        VALUES (h.expires_at, 'expire', h.session, h.slot, h.hold_id, h.person, h.account, 1);
      UPDATE slots SET state = 'free', available_at = h.expires_at WHERE session = h.session AND slot = h.slot;
      INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
        VALUES (h.expires_at, 'return', h.session, h.slot, 0, -1, -1, 1);
    END IF;
  END LOOP;
END $fn$;

CREATE OR REPLACE FUNCTION sg_hold(p_gen bigint, p_account bigint, p_person bigint, p_check boolean,
    p_ip text, p_now double precision, p_session text, p_ttl double precision, {out})
LANGUAGE plpgsql AS $fn$
DECLARE v_release double precision;
BEGIN
  SELECT e.o_code, e.o_person INTO o_code, o_person FROM sg_enter(p_gen, p_account, p_person, p_check) e;
  IF o_code <> 'go' THEN RETURN; END IF;
  PERFORM sg_expire_due(p_now);
  o_expires_at := p_now + p_ttl;
  -- the lowest free slot, the hold, its event and the audit row: one statement
  WITH taken AS (
         UPDATE slots SET state = 'taken' WHERE session = p_session AND state = 'free' AND slot =
           (SELECT slot FROM slots WHERE session = p_session AND state = 'free' AND available_at <= p_now
            ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING slot),
       held AS (
         INSERT INTO holds (session, slot, person, account, t_held, expires_at, state)
           SELECT p_session, taken.slot, o_person, p_account, p_now, o_expires_at, 'held' FROM taken
           RETURNING hold_id, slot),
       event AS (
         INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
           SELECT p_now, 'hold', p_session, held.slot, held.hold_id, o_person, p_account, 1 FROM held),
       audited AS (
         INSERT INTO audit (t, op, code, account, person, ip)
           SELECT p_now, 'hold', 'ok', p_account, o_person, p_ip FROM held)
  SELECT held.hold_id, held.slot INTO o_hold_id, o_slot FROM held;
  IF o_hold_id IS NOT NULL THEN
    o_code := 'ok'; o_session := p_session; o_state := 'held';
    RETURN;
  END IF;
  o_expires_at := NULL;  -- no slot: why not, as SqlLedger.hold answers
  SELECT release_at INTO v_release FROM sessions WHERE session = p_session;
  o_code := CASE WHEN NOT FOUND THEN 'not_found' WHEN p_now < v_release THEN 'not_released' ELSE 'sold_out' END;
  INSERT INTO audit (t, op, code, account, person, ip) VALUES (p_now, 'hold', o_code, p_account, o_person, p_ip);
END $fn$;

CREATE OR REPLACE FUNCTION sg_confirm(p_gen bigint, p_account bigint, p_person bigint, p_check boolean,
    p_ip text, p_now double precision, p_hold bigint, {out})
LANGUAGE plpgsql AS $fn$
DECLARE h record; v_actor bigint;
BEGIN
  SELECT e.o_code, e.o_person INTO o_code, v_actor FROM sg_enter(p_gen, p_account, p_person, p_check) e;
  IF o_code <> 'go' THEN o_person := v_actor; RETURN; END IF;
  PERFORM sg_expire_due(p_now);
  UPDATE holds SET state = 'confirmed', t_confirmed = p_now WHERE hold_id = p_hold AND account = p_account
    AND state = 'held' AND expires_at > p_now RETURNING * INTO h;
  IF FOUND THEN
    o_code := 'ok';
    INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
      VALUES (p_now, 'confirm', h.session, h.slot, h.hold_id, h.person, h.account, 1);
  ELSE
    SELECT * INTO h FROM holds WHERE hold_id = p_hold AND account = p_account;
    o_code := CASE WHEN NOT FOUND THEN 'not_found' WHEN h.state = 'confirmed' THEN 'ok' ELSE 'expired' END;
  END IF;
  INSERT INTO audit (t, op, code, account, person, ip) VALUES (p_now, 'confirm', o_code, p_account, v_actor, p_ip);
  IF o_code = 'ok' THEN
    o_hold_id := h.hold_id; o_session := h.session; o_slot := h.slot; o_person := h.person;
    o_expires_at := h.expires_at; o_state := h.state;
  END IF;
END $fn$;

CREATE OR REPLACE FUNCTION sg_cancel(p_gen bigint, p_account bigint, p_person bigint, p_check boolean,
    p_ip text, p_now double precision, p_hold bigint, {out})
LANGUAGE plpgsql AS $fn$
DECLARE h record; v_actor bigint;
BEGIN
  SELECT e.o_code, e.o_person INTO o_code, v_actor FROM sg_enter(p_gen, p_account, p_person, p_check) e;
  IF o_code <> 'go' THEN o_person := v_actor; RETURN; END IF;
  PERFORM sg_expire_due(p_now);
  UPDATE holds SET state = 'cancelled' WHERE hold_id = p_hold AND account = p_account
    AND state IN ('held', 'confirmed') RETURNING * INTO h;
  IF FOUND THEN  -- the slot returns at once (a plain stack's return rule)
    o_code := 'ok';
    INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
      VALUES (p_now, 'cancel', h.session, h.slot, h.hold_id, h.person, h.account, 1);
    UPDATE slots SET state = 'free', available_at = p_now WHERE session = h.session AND slot = h.slot;
    INSERT INTO events (t, event, session, slot, hold_id, person, account, count)
      VALUES (p_now, 'return', h.session, h.slot, 0, -1, -1, 1);
    o_hold_id := h.hold_id; o_session := h.session; o_slot := h.slot; o_person := h.person;
    o_expires_at := h.expires_at; o_state := h.state;
  ELSE
    o_code := CASE WHEN EXISTS (SELECT 1 FROM holds WHERE hold_id = p_hold AND account = p_account)
                   THEN 'expired' ELSE 'not_found' END;
  END IF;
  INSERT INTO audit (t, op, code, account, person, ip) VALUES (p_now, 'cancel', o_code, p_account, v_actor, p_ip);
END $fn$;

CREATE OR REPLACE FUNCTION sg_list(p_gen bigint, p_account bigint, p_person bigint, p_check boolean,
    p_ip text, p_now double precision, p_sessions text[],
    OUT o_code text, OUT o_person bigint, OUT o_remaining bigint[])
LANGUAGE plpgsql AS $fn$
BEGIN
  SELECT e.o_code, e.o_person INTO o_code, o_person FROM sg_enter(p_gen, p_account, p_person, p_check) e;
  IF o_code <> 'go' THEN RETURN; END IF;
  PERFORM sg_expire_due(p_now);
  -- SessionView.remaining of each session, in the caller's order: free and bookable by now
  SELECT array_agg(c.n ORDER BY s.i) INTO o_remaining
    FROM unnest(p_sessions) WITH ORDINALITY AS s(session, i)
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM slots
                        WHERE slots.session = s.session AND state = 'free' AND available_at <= p_now) c;
  o_code := 'ok';
  INSERT INTO audit (t, op, code, account, person, ip) VALUES (p_now, 'list_sessions', 'ok', p_account, o_person, p_ip);
END $fn$;

CREATE OR REPLACE FUNCTION sg_batch(p_op text[], p_gen bigint[], p_account bigint[], p_person bigint[],
    p_check boolean[], p_ip text[], p_now double precision[], p_session text[],
    p_ttl double precision[], p_hold bigint[], p_lists jsonb, {out}, OUT o_remaining bigint[])
RETURNS SETOF record LANGUAGE plpgsql AS $fn$
DECLARE i int;
BEGIN
  -- every advisory lock of the batch first, in (class, key) order — the order in which a
  -- single op takes its two — so batches of two workers wait on each other but never in a
  -- cycle; sg_enter takes them again below, which is free (advisory locks are re-entrant).
  -- One statement (a PERFORM per lock cost ~30 µs per op): the outer target list is
  -- evaluated row by row over the sorted DISTINCT subquery, which is never flattened.
  PERFORM pg_advisory_xact_lock(l.c, l.key) FROM (
      SELECT DISTINCT u.c, u.key FROM (
          SELECT 1 AS c, mod(a, 2147483647)::int AS key FROM unnest(p_account) AS a
          UNION ALL
          SELECT 2, mod(x.person, 2147483647)::int FROM (
            SELECT coalesce(p, (SELECT min(person) FROM persons WHERE account = a)) AS person
              FROM unnest(p_person, p_account) AS o(p, a)) x
          WHERE x.person IS NOT NULL) u
      ORDER BY u.c, u.key) l;
  -- then each op in arrival order, each seeing the ones before it: one row per op
  FOR i IN 1 .. cardinality(p_op) LOOP
    o_code := NULL; o_hold_id := NULL; o_session := NULL; o_slot := NULL; o_person := NULL;
    o_expires_at := NULL; o_state := NULL; o_remaining := NULL;
    IF p_op[i] = 'hold' THEN
      SELECT r.* INTO o_code, o_hold_id, o_session, o_slot, o_person, o_expires_at, o_state
        FROM sg_hold(p_gen[i], p_account[i], p_person[i], p_check[i], p_ip[i], p_now[i], p_session[i], p_ttl[i]) r;
    ELSIF p_op[i] = 'confirm' THEN
      SELECT r.* INTO o_code, o_hold_id, o_session, o_slot, o_person, o_expires_at, o_state
        FROM sg_confirm(p_gen[i], p_account[i], p_person[i], p_check[i], p_ip[i], p_now[i], p_hold[i]) r;
    ELSIF p_op[i] = 'cancel' THEN
      SELECT r.* INTO o_code, o_hold_id, o_session, o_slot, o_person, o_expires_at, o_state
        FROM sg_cancel(p_gen[i], p_account[i], p_person[i], p_check[i], p_ip[i], p_now[i], p_hold[i]) r;
    ELSE  -- list_sessions: its session ids are the i-th array of p_lists
      SELECT r.* INTO o_code, o_person, o_remaining
        FROM sg_list(p_gen[i], p_account[i], p_person[i], p_check[i], p_ip[i], p_now[i],
                     ARRAY(SELECT jsonb_array_elements_text(p_lists -> (i - 1)))) r;
    END IF;
    RETURN NEXT;
  END LOOP;
END $fn$;
""".replace("{out}", _OUT)


def install_functions(db: Database) -> None:
    """(Re)create the functions; call inside :func:`targets.reference.schema.create_schema`'s
    transaction, which holds the DDL lock, so workers starting together do not race."""
    for stmt in FUNCTIONS.split("$fn$;"):
        if stmt.strip():
            db.statement(stmt + "$fn$")
