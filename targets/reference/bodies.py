"""Request bodies as declared types: every operation's arguments validated once, at the edge.

Each body is a pydantic model (``extra="forbid"``, finite numbers only), parsed straight from
the raw bytes by :func:`parse_body` (pydantic's JSON parser: no recursion error on deeply
nested input, no lone surrogates, no ``NaN``). The same models document the bodies in OpenAPI
(:func:`body_doc`). Ids are integers in [1, 2^53 - 1] (exact in every JSON parser); their
decimal digits are accepted too (foreign-shaped adapters send string ids); everything else —
``true``, ``1.9``, ``1e300``, ``[1]`` — is refused 422 ``invalid`` with the field named.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic_core import from_json

from targets.reference.errors import ApiError

__all__ = [
    "ARG_NAMES", "ID_MAX", "AccountItem", "AddPersonBody", "CaptchaAnswer", "HoldArgs", "HoldRefArgs", "Id", "LoadBody",
    "LoginBody", "OpArgs", "ProvisionBody", "ResetBody", "args_model", "body_doc", "parse_body",
    "parse_object", "register_body", "validate",
]

# The largest integer every JSON parser reads exactly (JavaScript's MAX_SAFE_INTEGER): a JSON
# client holding ids as doubles turns 2^63 - 1 into 2^63, past a BIGINT. The simulator's ids
# count up from 1.
ID_MAX = 2**53 - 1
_ID_DIGITS = 15  # a digit string of at most 15 digits is always below ID_MAX
_ID_SCHEMA = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": ID_MAX},
                        {"type": "string", "pattern": f"^[1-9][0-9]{{0,{_ID_DIGITS - 1}}}$"}]}


def _integer(value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high]: an int, or a float with no fractional part (JSON
    Schema's ``integer`` admits ``5.0``); never a bool, ``1.9`` or ``1e300``."""
    if isinstance(value, float) and value.is_integer() and low <= value <= high:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be an integer in [{low}, {high}]")
    return value


def _id(value: Any) -> int:
    """An id: an integer in [1, 2^63-1] or its decimal digits (no sign, space or exponent)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < len(value) <= _ID_DIGITS \
            and value[0] != "0":
        value = int(value)
    try:
        return _integer(value, 1, ID_MAX)
    except ValueError:
        raise ValueError(f"must be an integer id in [1, {ID_MAX}] (or its decimal digits)") from None


def _utf8(value: Any) -> Any:
    """Refuse strings that cannot be stored as UTF-8 (lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


Id = Annotated[int, BeforeValidator(_id), WithJsonSchema(_ID_SCHEMA)]
# identities in admin/auth bodies: integers only (no digit strings)
StrictId = Annotated[int, BeforeValidator(lambda v: _integer(v, 1, ID_MAX)),
                     WithJsonSchema({"type": "integer", "minimum": 1, "maximum": ID_MAX})]
Replication = Annotated[int, BeforeValidator(lambda v: _integer(v, 0, 10_000)),
                        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 10_000})]
Name = Annotated[str, Field(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(strict=True, max_length=256), BeforeValidator(_utf8)]
Key = Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Password = Annotated[str, Field(strict=True, min_length=1, max_length=128), BeforeValidator(_utf8)]

M = TypeVar("M", bound=BaseModel)
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class CaptchaAnswer(BaseModel):
    """The answer to a CAPTCHA challenge: its id and, in the simulator's contract, whether the
    client solved it (``pow_mode: altcha`` ignores ``correct`` and checks arg ``altcha``)."""

    model_config = _STRICT
    id: Annotated[str, Field(strict=True, max_length=128)] | StrictId | None = None
    correct: Annotated[bool, Field(strict=True)] | None = None


class OpArgs(BaseModel):
    """Every argument an operation (core or policy) reads; any other name is refused."""

    model_config = _STRICT
    session: Name | None = Field(None, description="session id (hold; department-wide ops infer the department)")
    department: Name | None = Field(None, description="department id (list_sessions, lottery, waitlist)")
    person: Id | None = Field(None, description="real-name person (default: the account's first)")
    hold: Id | None = Field(None, description="hold id (confirm, cancel)")
    key: Key | None = Field(None, description="idempotency key (hold); also header Idempotency-Key")
    captcha: CaptchaAnswer | None = None
    altcha: Annotated[str, Field(strict=True, max_length=2048), BeforeValidator(_utf8)] | None = Field(
        None, description="base64 ALTCHA payload answering a proof-of-work challenge")
    token: Text | None = Field(None, description="waiting-room admission token")
    referral: Text | None = Field(None, description="referral code (referral gate)")


class HoldArgs(OpArgs):
    """``hold``: ``session`` is required."""

    session: Name = Field(description="session id")


class HoldRefArgs(OpArgs):
    """``confirm`` / ``cancel``: ``hold`` is required."""

    hold: Id = Field(description="hold id")


_ARGS_OF: dict[str, type[OpArgs]] = {"hold": HoldArgs, "confirm": HoldRefArgs, "cancel": HoldRefArgs}
ARG_NAMES = tuple(OpArgs.model_fields)


def args_model(op: str) -> type[OpArgs]:
    """The args model of ``op`` (policy ops share :class:`OpArgs`)."""
    return _ARGS_OF.get(op, OpArgs)


class LoginBody(BaseModel):
    """``POST /v1/login``."""

    model_config = _STRICT
    account: StrictId
    password: Password


class AddPersonBody(BaseModel):
    """``POST /v1/accounts/me/persons``."""

    model_config = _STRICT
    person: StrictId


def register_body(max_persons: int) -> type[BaseModel]:
    """``POST /v1/accounts`` with this server's per-account person limit in the schema."""

    class RegisterBody(BaseModel):
        model_config = _STRICT
        account: StrictId
        password: Annotated[str, Field(strict=True, min_length=8, max_length=128), BeforeValidator(_utf8)]
        persons: Annotated[list[StrictId], Field(min_length=1, max_length=max_persons)]

    return RegisterBody


class AccountItem(BaseModel):
    """One account to provision and its persons."""

    model_config = _STRICT
    account: StrictId
    persons: Annotated[list[StrictId], Field(max_length=1000)]


class ProvisionBody(BaseModel):
    """``POST /v1/admin/accounts``."""

    model_config = _STRICT
    accounts: Annotated[list[AccountItem], Field(min_length=1, max_length=20_000)]


class ResetBody(BaseModel):
    """``POST /v1/admin/reset``."""

    model_config = _STRICT
    accounts: Annotated[bool, Field(strict=True)] = Field(False, description="also delete accounts and persons")


class LoadBody(BaseModel):
    """``POST /v1/admin/load``: every number finite and in range."""

    model_config = _STRICT
    scenario: dict[str, Any] | Annotated[str, Field(strict=True, min_length=1, max_length=4096)] = Field(
        description="a Scenario as JSON, a bundled scenario name or a path")
    policies: Annotated[list[Annotated[str, Field(strict=True, max_length=64)] | dict[str, Any]],
                        Field(max_length=32)] | None = Field(None, description="policy stack replacing the scenario's")
    t0: Annotated[float, Field(strict=True, ge=0, le=1e11)] | None = Field(None, description="T0, epoch seconds")
    t0_in_s: Annotated[float, Field(strict=True, gt=-1e6, lt=1e6)] = Field(10.0, description="T0 = now + this")
    replication: Replication = 0


def _problems(exc: ValidationError) -> str:
    out = []
    for e in exc.errors()[:3]:
        where = ".".join(str(p) for p in e["loc"]) or "body"
        msg = "unknown field (not an argument of this operation)" if e["type"] == "extra_forbidden" else e["msg"]
        out.append(f"{where}: {msg}")
    return "; ".join(out)


def parse_object(raw: bytes) -> dict[str, Any]:
    """A raw body as a JSON object (``{}`` when empty): 400 if it is not JSON (too deep, lone
    surrogate, ``NaN``), 422 if it is not an object."""
    if not raw.strip():
        return {}
    try:
        data = from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise ApiError("bad_request", f"request body is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise ApiError("invalid", "request body must be a JSON object")
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; 422 ``invalid`` naming the fields otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError("invalid", _problems(exc)) from None


def parse_body(model: type[M], raw: bytes) -> M:
    """A raw body as ``model`` (400 not JSON, 422 invalid)."""
    return validate(model, parse_object(raw))


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` references replaced by the definitions (OpenAPI has no
    ``$defs`` at the operation level)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return dict(walk(schema))


def body_doc(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the JSON request body."""
    schema = _inline(model.model_json_schema())
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}
