"""``slotgrab adapter new``: a commented mapping file (or Python skeleton) to start from.

From a target's OpenAPI document (a URL or a file) the routes are guessed by method and name —
a ``GET`` of tickets/sessions/shows is the listing, a ``POST``/``PATCH`` that reserves/books/
orders is the hold, … — and request bodies are filled with the templates their property names
suggest (``holder`` → ``{person}``, ``ticket_id`` → ``{slot}`` with a slot pick, …). Every guess
is marked ``# guessed``; every route left over is listed in a comment. Without a document the
file is the generic template. Either way the file validates, and ``slotgrab adapter check``
says what is still wrong against the live target.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

__all__ = ["PYTHON_SKELETON", "read_openapi", "scaffold_mapping"]

_WORDS = {
    "list_sessions": ("get", r"session|slot|ticket|show|event|seat|appointment|availab|inventory"),
    "hold": ("post|patch|put", r"reserv|hold|book|order|claim|appointment"),
    "confirm": ("post|patch|put", r"confirm|pay|checkout|purchase|commit"),
    "cancel": ("delete|post|patch", r"cancel|refund|release|delete"),
}
_TRUTH = r"booking|order|reservation|export|admin|audit"
_HEALTH = r"health|ping|status|ready|live"
_LOGIN = r"login|token|auth|signin"
_FIELD_TEMPLATES = (
    (r"^(hold|reservation|order|booking)(_?id)?$", "{hold}"),
    (r"^(ticket|seat|slot)(_?id)?$", "{slot}"),
    (r"session|event|show|slot_group|performance|date", "{session}"),
    (r"holder|person|patient|customer|buyer|user|owner|name|member", "{person}"),
    (r"account|phone", "{account}"),
)


def read_openapi(source: str) -> dict[str, Any]:
    """The OpenAPI document at a URL or in a file (JSON or YAML); ValueError if unreadable."""
    try:
        if source.startswith(("http://", "https://")):
            text = httpx.get(source, timeout=15.0).raise_for_status().text
        else:
            text = Path(source).read_text(encoding="utf-8")
        doc = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (httpx.HTTPError, OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"--openapi {source}: cannot read an OpenAPI document ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise ValueError(f"--openapi {source}: no 'paths' in it (not an OpenAPI document?)")
    return doc


def _routes(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, item in doc["paths"].items():
        for method, op in (item or {}).items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(op, dict):
                out.append((method, path, op))
    return out


def _text(path: str, op: dict[str, Any]) -> str:
    return " ".join(str(x) for x in (path, op.get("operationId", ""), op.get("summary", ""))).lower()


def _find(routes: list[Any], methods: str, words: str, taken: set[str]) -> Any:
    for method, path, op in routes:
        key = f"{method} {path}"
        if re.fullmatch(methods, method) and re.search(words, _text(path, op)) and key not in taken:
            taken.add(key)
            return method, path, op
    return None


def _schema(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc.get("components", {}).get("schemas", {}).get(name, {})
    return schema if isinstance(schema, dict) else {}


def _template(name: str) -> str:
    for pattern, template in _FIELD_TEMPLATES:
        if re.search(pattern, name.lower()):
            return template
    return "TODO"


def _body(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, str] | None:
    content = (op.get("requestBody") or {}).get("content", {})
    schema = _schema(doc, (content.get("application/json") or {}).get("schema"))
    props = schema.get("properties") or {}
    return {name: _template(name) for name in props} or None


def _path(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: _template(m.group(1)), path)


def _answer_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    ok: Any = next((v for k, v in (op.get("responses") or {}).items() if str(k).startswith("2")), {})
    return _schema(doc, ((ok or {}).get("content", {}).get("application/json") or {}).get("schema"))


def _listing_lines(doc: dict[str, Any], op: dict[str, Any]) -> list[str]:
    """The ``sessions:`` block: slots counted per session if the answer lists slots."""
    schema = _answer_schema(doc, op)
    items = "data" if schema.get("type") == "array" else "sessions"
    props = set(_schema(doc, schema.get("items")).get("properties") or {})
    session = next((p for p in props if re.search(r"session|event|show|performance", p)), None)
    state = next((p for p in props if re.search(r"status|state|available|free", p)), None)
    if session and state:
        return ["    sessions:                # guessed: the answer lists slots, counted per session",
                f"      items: {items}         # JMESPath; a bare JSON array is 'data'",
                "      per_slot: true", f"      session: {session}", "      slot: id",
                f"      free: \"{state} == 'free'\"   # TODO: when is a slot free?"]
    return ["    sessions:                # TODO: where the sessions are in the answer",
            f"      items: {items}         # JMESPath; a bare JSON array is 'data'",
            "      id: id", "      remaining: remaining",
            "      # per_slot: true       # if the answer lists slots: then session:, slot:, free:"]


def _op_lines(name: str, found: Any, doc: dict[str, Any]) -> list[str]:
    if found is None:
        if name == "confirm":
            return ["  confirm: {local: ok}        # no confirm step found: a hold is final"]
        if name == "cancel":
            return ["  # cancel: none found (agents that cancel get bad_request). Map it like hold."]
        return [f"  {name}:                   # TODO: no route found", "    method: GET",
                "    path: /TODO"]
    method, path, op = found
    lines = [f"  {name}:                   # guessed from {method.upper()} {path}"
             + (f" — {op['summary']}" if op.get("summary") else ""),
             f"    method: {method.upper()}", f"    path: {json.dumps(_path(path))}"]
    body = _body(doc, op) if method != "get" else None
    if body:
        lines.append(f"    body: {json.dumps(body)}   # guessed from the request schema")
        if "{slot}" in body.values() or "{slot}" in _path(path):
            lines.append("    pick: first_free         # the API books a given slot: first_free | random | per_lane")
    if name == "list_sessions":
        lines += _listing_lines(doc, op)
    if name == "hold":
        lines += ["    answer:                  # JMESPath into the 2xx answer",
                  "      hold_id: id            # TODO: the id agents send back as {hold}",
                  "      # session: session", "      # expires_at: expires_at   # with time_format:"]
    return lines


def scaffold_mapping(doc: dict[str, Any] | None, name: str = "my-service") -> str:
    """A commented mapping file: guessed from ``doc`` (an OpenAPI document), or the template."""
    routes = _routes(doc) if doc else []
    taken: set[str] = set()
    found = {op: _find(routes, m, w, taken) for op, (m, w) in _WORDS.items()}
    health = _find(routes, "get", _HEALTH, taken)
    login = _find(routes, "post", _LOGIN, taken)
    truth = _find(routes, "get", _TRUTH, set())
    title = (doc or {}).get("info", {}).get("title", name)
    lines = [
        f"# slotgrab adapter for {title} — written by `slotgrab adapter new`.",
        "# Every field: docs/adapters.md. Templates: {person} {account} {session} {hold} {slot}",
        "# {opt.NAME} (--adapter-opt NAME=VALUE) {env.NAME}. Expressions are JMESPath.",
        "# Next: slotgrab adapter check --target URL --adapter THIS_FILE --scenario YOUR_SCENARIO",
        f"name: {json.dumps(name)}",
        f"health: {json.dumps(health[1]) if health else '/health   # TODO: a cheap GET'}",
    ]
    if login:
        lines += ["auth:                        # guessed: a login that returns a bearer token",
                  "  kind: login",
                  f"  login: {{path: {json.dumps(login[1])}, body: {{user: TODO, password: \"{{opt.password}}\"}}, "
                  "token: access_token}"]
    else:
        lines += ["auth: {kind: none}           # or {kind: header, header: X-Api-Key, value: \"{env.KEY}\"}"]
    lines += ["status: {404: not_found, 409: sold_out, 422: invalid, 429: rate_limited}   # HTTP → code",
              "operations:"]
    for op in _WORDS:
        lines += _op_lines(op, found[op], doc or {})
    lines += ["# release:                    # no release time of its own? put the slots out at T0:",
              "#   {database: \"{opt.db}\", per_session: true, sql: \"…{session}…{capacity}…\"}",
              "truth:                        # the service's own record of bookings (the verdict)"]
    if truth:
        lines += [f"  path: {json.dumps(truth[1])}     # guessed", "  items: TODO   # JMESPath to the list",
                  "  shape: state                # state: rows are bookings as they stand; events: a log",
                  "  fields: {hold_id: id, session: TODO, person: TODO, t: TODO}",
                  "  time_format: epoch"]
    else:
        lines += ["  database: \"{opt.db}\"       # sqlite:///FILE or postgresql://…", "  shape: state",
                  "  sql: SELECT id AS hold_id, TODO AS session, TODO AS person, TODO AS t FROM TODO",
                  "  time_format: epoch"]
    leftover = [f"{m.upper()} {p}" for m, p, _ in routes if f"{m} {p}" not in taken]
    if leftover:
        lines += ["# other routes of the OpenAPI document:"] + [f"#   {r}" for r in leftover[:40]]
    return "\n".join(lines) + "\n"


PYTHON_SKELETON = '''"""A slotgrab adapter for my service (Python: for what a mapping file cannot say).

Use it with ``--adapter my_adapter:MyAdapter`` (the current directory is on the import path);
``--adapter-opt KEY=VALUE`` arrive as ``options``. Hooks and call order: docs/adapters.md.
"""

from __future__ import annotations

from typing import Any

import httpx

from sim.drivers.adapter import Answer, HttpRequest, code_of_status
from sim.scenario.model import Scenario


class MyAdapter:
    """Maps slotgrab's calls onto my service."""

    def __init__(self, options: dict[str, str] | None = None) -> None:
        self.options = options or {}
        self.tokens: dict[str, str] = {}
        self.t0_wall = 0.0

    # controlling process, once per run
    def prepare(self, client: httpx.Client, admin_token: str | None,
                accounts: dict[int, list[int]], scenario: Scenario | None = None) -> dict[str, Any]:
        """Provision accounts (account -> its persons); return what workers need."""
        return {"tokens": {}}

    def load(self, client: httpx.Client, admin_token: str | None, scenario: Scenario,
             t0_wall: float, replication: int) -> None:
        """T0 is chosen (Unix seconds): set the service's release time, stock the sessions."""

    def export_events(self, client: httpx.Client, admin_token: str | None) -> list[dict[str, Any]]:
        """The service's bookings as events: t (s from T0), event, session, slot, hold_id, person."""
        return []

    # every Locust worker
    def bind(self, state: dict[str, Any]) -> None:
        """Take prepare's state."""
        self.tokens = dict(state.get("tokens", {}))

    def begin(self, scenario: Scenario, t0_wall: float, replication: int) -> None:
        """T0 and the scenario, before the first call."""
        self.t0_wall = t0_wall

    def warmup_request(self) -> HttpRequest | None:
        """A cheap request to open each connection before T0."""
        return HttpRequest("GET", "/health", {}, None, "warmup")

    def request(self, op: str, args: dict[str, Any]) -> HttpRequest:
        """The HTTP request for op (list_sessions, hold, confirm, cancel, …)."""
        if op == "list_sessions":
            return HttpRequest("GET", "/sessions", {}, None, op)
        if op == "hold":
            body = {"session": args["session"], "person": args["person"]}
            return HttpRequest("POST", "/holds", {}, body, op, context={"args": args})
        return HttpRequest("LOCAL", "", {}, None, op, local=Answer("bad_request", {}))

    def answer(self, op: str, status: int, body: dict[str, Any], headers: dict[str, str],
               request: HttpRequest | None = None) -> Answer:
        """The agent's code and body: sessions[].id/remaining/opens_at, hold_id, expires_at."""
        return Answer(code_of_status(status), body)
'''
