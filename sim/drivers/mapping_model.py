"""The declarative adapter's file: a YAML mapping from slotgrab's operations to a target's API.

``--adapter my-service.yaml`` is parsed once by :func:`load_mapping` into the frozen, validated
:class:`Mapping` below; a bad file gets one line per problem naming the file, the field and
what is allowed. What each field means, with a full example: ``docs/adapters.md``.
Expressions that read answers are JMESPath (the ``jmespath`` library), compiled here once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import jmespath
import jmespath.exceptions
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.agents.actions import STATUS_OF

__all__ = [
    "AGENT_OPS",
    "AnswerFields",
    "Auth",
    "Hook",
    "Mapping",
    "MappingError",
    "Operation",
    "SlotList",
    "Truth",
    "load_mapping",
]

# Every op an agent may send (sim/agents/patient.py, bot.py): the core four, then policy ops.
AGENT_OPS = (
    "list_sessions",
    "hold",
    "confirm",
    "cancel",
    "enter_queue",
    "lottery_enter",
    "lottery_result",
    "waitlist_join",
    "waitlist_status",
    "reverify",
)
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
TimeFormat = Literal["relative", "epoch", "epoch_ms", "iso8601"]
Code = Literal[tuple(STATUS_OF)]  # type: ignore[valid-type]


class MappingError(ValueError):
    """A mapping file that cannot be used (one line per problem)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _compile(expr: str, where: str = "") -> str:
    try:
        jmespath.compile(expr)
    except jmespath.exceptions.JMESPathError as exc:
        raise ValueError(f"not a JMESPath expression {expr!r} ({exc})") from None
    return expr


class AnswerFields(_Frozen):
    """Where the agent-visible fields are in a 2xx answer (JMESPath over the JSON body; a JSON
    array answer is seen as ``{"data": [...]}``). ``hold_id`` may be built from several fields,
    e.g. ``join(':', [ticket.id, ticket.holder])``."""

    hold_id: str | None = None
    session: str | None = None
    slot: str | None = None
    expires_at: str | None = None
    token: str | None = None
    code: str | None = Field(None, description="A stable code in the body, if the API sends one.")
    extra: dict[str, str] = Field(default_factory=dict, description="More fields: name → expr.")

    @field_validator("hold_id", "session", "slot", "expires_at", "token", "code")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        return None if v is None else _compile(v)

    @field_validator("extra")
    @classmethod
    def _exprs(cls, v: dict[str, str]) -> dict[str, str]:
        return {k: _compile(e) for k, e in v.items()}


class SlotList(_Frozen):
    """How a ``list_sessions`` answer becomes ``sessions: [{id, remaining, opens_at}]``.

    Either the answer lists sessions (``items`` → each has ``id``, ``remaining``, ``opens_at``),
    or it lists slots (``per_slot: true``: each item has ``session`` and ``slot`` and is free when
    ``free`` is true), which are counted per session — and remembered for ``hold``'s slot pick."""

    items: str = "sessions"
    per_slot: bool = False
    id: str = "id"
    remaining: str = "remaining"
    opens_at: str | None = None
    session: str = "session"
    slot: str = "id"
    free: str = "`true`"

    @field_validator("items", "id", "remaining", "opens_at", "session", "slot", "free")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        return None if v is None else _compile(v)


class Operation(_Frozen):
    """One agent op as one HTTP call, or answered here (``local``) when the API has no such
    step (a reserve-only API has nothing to confirm: ``confirm: {local: ok}``)."""

    local: Code | None = None  # type: ignore[valid-type]
    method: Method = "POST"
    path: str = ""
    query: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    answer: AnswerFields = AnswerFields()
    sessions: SlotList | None = None
    pick: Literal["first_free", "random", "per_lane"] | None = None
    view_ttl_s: float = Field(1.0, ge=0.0, le=3600.0)
    time_format: TimeFormat = "relative"
    status: dict[int, Code] = Field(default_factory=dict)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _call_or_local(self) -> Operation:
        if self.local is None and not self.path.startswith("/"):
            raise ValueError("give a path starting with '/' (or local: CODE to answer here)")
        return self


class Hook(_Frozen):
    """A call slotgrab makes itself: an HTTP request, or SQL statements on ``database``."""

    method: Method = "POST"
    path: str | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    sql: list[str] = Field(default_factory=list)
    database: str | None = None
    per_session: bool = False  # run once per scenario session ({session}, {capacity})

    @field_validator("sql", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _what(self) -> Hook:
        if (self.path is None) == (not self.sql):
            raise ValueError("give either path (an HTTP call) or sql (statements), not both")
        if self.sql and not self.database:
            raise ValueError("sql needs database (e.g. sqlite:///file.db or postgresql://…)")
        return self


class Login(_Frozen):
    """A login call whose answer holds a bearer token (``token``: JMESPath)."""

    method: Method = "POST"
    path: str
    body: dict[str, Any] | None = None
    token: str = "token"
    per: Literal["run", "account"] = "run"

    @field_validator("token")
    @classmethod
    def _expr(cls, v: str) -> str:
        return _compile(v)


class Auth(_Frozen):
    """How requests authenticate: none, a static header, or a bearer token from a login."""

    kind: Literal["none", "header", "login"] = "none"
    header: str = "Authorization"
    value: str = ""
    login: Login | None = None

    @model_validator(mode="after")
    def _complete(self) -> Auth:
        if self.kind == "login" and self.login is None:
            raise ValueError("kind: login needs login: {path: …, token: …}")
        if self.kind == "header" and not self.value:
            raise ValueError("kind: header needs value (e.g. '{env.API_KEY}')")
        return self


class Truth(_Frozen):
    """The target's own record of bookings after the run: an HTTP route or an SQL query.

    ``shape: events`` rows are booking events (``event``: hold/confirm/cancel/expire/release);
    ``shape: state`` rows are bookings as they stand (a state table): each becomes a hold and a
    confirm at ``t``. A state table shows acknowledgements it lost, but not history (no
    overbooking that was later undone, no expiries)."""

    path: str | None = None
    method: Method = "GET"
    items: str = "events"
    sql: str | None = None
    database: str | None = None
    shape: Literal["events", "state"] = "events"
    fields: dict[str, str] = Field(default_factory=dict)
    time_format: TimeFormat = "relative"

    @field_validator("fields")
    @classmethod
    def _known(cls, v: dict[str, str]) -> dict[str, str]:
        allowed = {"t", "event", "session", "slot", "hold_id", "person", "account", "count"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"unknown field(s) {bad}; allowed: {sorted(allowed)}")
        return {k: _compile(e) for k, e in v.items()}

    @model_validator(mode="after")
    def _what(self) -> Truth:
        if (self.path is None) == (self.sql is None):
            raise ValueError("give either path (an HTTP route) or sql (a query), not both")
        if self.sql and not self.database:
            raise ValueError("sql needs database (e.g. sqlite:///file.db or postgresql://…)")
        return self


class Mapping(_Frozen):
    """A whole mapping file."""

    version: Literal[1] = 1
    name: str = "service"
    health: str | None = Field(None, description="A cheap GET path (warm-up, check's reference).")
    auth: Auth = Auth()
    status: dict[int, Code] = Field(default_factory=dict)  # type: ignore[valid-type]
    operations: dict[str, Operation]
    setup: list[Hook] = Field(default_factory=list, description="At prepare, before any agent.")
    release: list[Hook] = Field(default_factory=list, description="At T0 (no release time).")
    load: list[Hook] = Field(default_factory=list, description="When T0 is chosen ({t0}).")
    truth: Truth | None = None
    options: dict[str, str] = Field(default_factory=dict, description="Defaults of --adapter-opt.")

    @field_validator("operations")
    @classmethod
    def _ops(cls, v: dict[str, Operation]) -> dict[str, Operation]:
        bad = sorted(set(v) - set(AGENT_OPS))
        if bad:
            raise ValueError(f"unknown operation(s) {bad}; allowed: {list(AGENT_OPS)}")
        missing = [op for op in ("list_sessions", "hold") if op not in v]
        if missing:
            raise ValueError(f"operation(s) {missing} are required (every agent calls them)")
        return v

    @field_validator("setup", "release", "load", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v


def _problems(path: Path, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"] if p not in ("function-after",)) or "(top)"
        msg = err["msg"].removeprefix("Value error, ")
        given = err.get("input")
        if isinstance(given, str | int | float) and err["type"] != "value_error":
            msg += f" (got {given!r})"
        lines.append(f"{path}: {where}: {msg}")
    return lines


def load_mapping(path: str | Path) -> Mapping:
    """The validated mapping in ``path``; :class:`MappingError` (one line per problem) else."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the adapter file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not YAML ({exc})".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise MappingError(f"{path}: expected a mapping with 'operations:' at the top")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        raise MappingError("\n".join(_problems(path, exc))) from None
