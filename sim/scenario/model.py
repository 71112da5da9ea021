"""The scenario: a frozen, validated description of one release and everyone who races for it.

Times are seconds relative to the release instant T0 (negative = before). A YAML file is parsed
once into :class:`Scenario`; variants are made with :meth:`Scenario.with_overrides` (validated
copies), never by mutation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from sim.policies.registry import validate_stack
from sim.policies.spec import PolicySpec, stack_label
from sim.scenario.attack import AttackSettings
from sim.scenario.distributions import Const, Exponential, LogNormal, Normal, Uniform, as_dist
from sim.scenario.gate_expression import parse_gate_table
from sim.scenario.overrides import apply_overrides

__all__ = [
    "BotCrew",
    "CaptchaSkill",
    "CaptchaSolver",
    "Department",
    "DistField",
    "Horizon",
    "PatientSegment",
    "PolicySpec",
    "Release",
    "Scenario",
    "ServiceModel",
    "Session",
    "Supply",
    "stack_label",
]

DistField = Annotated[
    Const | Normal | Uniform | Exponential | LogNormal,
    Field(discriminator="dist"),
    BeforeValidator(as_dist),
]

# What one machine can run (the simulator holds per-agent and per-identity arrays in memory;
# 5 M agents is ≈ 2 GB of records): a scenario beyond these is refused with the limit named.
MAX_IDENTITIES = 1_000_000  # accounts, IPs or persons of one crew
MAX_AGENTS = 5_000_000  # patients + bot lanes, all groups
MAX_SLOTS = 5_000_000  # all sessions' capacity
MAX_HORIZON_S = 7 * 86_400.0
MAX_GROUPS = 1_000  # departments, sessions per department, patient segments, crews, gate lines


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Session(_Frozen):
    """One clinic session (doctor, date, period) with a number of bookable slots."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    capacity: int = Field(ge=1, le=100_000)
    doctor: str = ""
    date: str = Field("", description="ISO date of the clinic day; rules 'per day' use it")
    period: Literal["am", "pm", "night", ""] = ""
    release_offset_s: float = Field(0.0, description="release instant relative to T0")


class Department(_Frozen):
    """A department of a hospital, with its clinic sessions."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    hospital: str = "h1"
    level: Literal["general", "expert"] = "expert"
    sessions: tuple[Session, ...] = Field(min_length=1, max_length=MAX_GROUPS)
    release_offset_s: float = Field(0.0, description="added to each session's offset (staggering)")


class Supply(_Frozen):
    """What is released: departments and their sessions."""

    departments: tuple[Department, ...] = Field(min_length=1, max_length=MAX_GROUPS)

    @model_validator(mode="after")
    def _unique_ids(self) -> Supply:
        seen: set[str] = set()
        for dept in self.departments:
            for s in dept.sessions:
                if s.id in seen:
                    raise ValueError(f"session id {s.id!r} is used twice; session ids must be unique")
                seen.add(s.id)
        if len({d.id for d in self.departments}) != len(self.departments):
            raise ValueError("department ids must be unique")
        return self

    def department(self, dept_id: str) -> Department:
        """The department with this id (KeyError if none)."""
        for d in self.departments:
            if d.id == dept_id:
                return d
        raise KeyError(dept_id)


class Release(_Frozen):
    """When sessions become bookable, and how long an unpaid hold lasts."""

    at_s: float = Field(0.0, description="T0 offset of the release; scenario times are relative to T0")
    clock: str = Field("07:00", pattern=r"^\d{2}:\d{2}$", description="wall-clock label of T0")
    hold_ttl_s: float = Field(900.0, gt=0, description="an unpaid hold expires after this")


class Horizon(_Frozen):
    """The simulated window around T0."""

    # a week either side: the simulator steps every agent through the window, and a load run
    # plays it in real time (bound chosen by us, far above any release rush)
    before_s: float = Field(120.0, ge=0, le=MAX_HORIZON_S)
    after_s: float = Field(1800.0, gt=0, le=MAX_HORIZON_S)


class CaptchaSkill(_Frozen):
    """How long a person takes to solve one kind of CAPTCHA, and how often they get it right."""

    solve_s: DistField
    accuracy: float = Field(ge=0, le=1)


def _human_captcha() -> dict[str, CaptchaSkill]:
    """Searles et al., USENIX Security 2023: checkbox ≈ 3.7 s; image grid 15–26 s at ≈ 81 %;
    distorted text 9–15 s at 50–84 % (accuracy of the checkbox is an assumption: it passes
    unless the risk score flags the user)."""
    def skill(median: float, p95: float, floor: float, accuracy: float) -> CaptchaSkill:
        solve = LogNormal(dist="lognormal", median=median, p95=p95, floor=floor)
        return CaptchaSkill(solve_s=solve, accuracy=accuracy)

    return {
        "checkbox": skill(3.7, 9.0, 1.0, 0.98),
        "image_grid": skill(20.0, 45.0, 5.0, 0.81),
        "text": skill(12.0, 30.0, 3.0, 0.67),
    }


class PatientSegment(_Frozen):
    """A group of patients who behave alike (e.g. young on mobile, elderly, slow network)."""

    segment: str = Field(min_length=1, max_length=32)
    count: int = Field(ge=0, le=5_000_000)
    department: str | None = Field(None, description="department wanted (default: the first)")
    arrival_s: DistField = Field(description="arrival relative to T0")
    reaction_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=0.27, p95=0.6, floor=0.1),
        description="from seeing bookable slots to pressing 'book'",
    )
    reaction_noise: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=1.0, p95=1.3),
        description="each click's reaction is the patient's own (reaction_s, a trait) times this "
        "draw: the same person is not equally fast every time (assumption: within-person "
        "spread of simple reaction times ≈ 15 %)",
    )
    think_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=2.0, p95=6.0),
        description="pause before a retry or refresh",
    )
    pay_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=20.0, p95=60.0),
        description="from a hold to confirming payment",
    )
    rtt_ms: DistField = Field(default_factory=lambda: Const(value=60.0), description="network RTT")
    jitter_ms: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=10.0, p95=60.0),
        description="extra network delay of each click (hold) on top of the RTT: mobile links "
        "jitter by tens of ms from one request to the next (assumption)",
    )
    poll_jitter_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=2.0, p95=15.0),
        description="added to every Retry-After a patient waits out (queue ticket, lottery "
        "result, waitlist): people come back when they look again, not at the announced "
        "instant (assumption; without it thousands poll a lottery result in the same ms)",
    )
    channel: Literal["online", "clinic"] = Field(
        "online",
        description="clinic: the doctor books a follow-up in the consulting room (Daxing "
        "诊间预约, seed report 002) from the share reserved_share keeps off the online release",
    )
    retries: int = Field(10, ge=0, le=10_000)
    patience_s: float = Field(600.0, gt=0, description="gives up this long after arriving")
    flexibility: float = Field(1.0, ge=0, le=1, description="P(accepts any session of the dept)")
    # how the segment meets anti-bot policies (sim/agents/patient.py)
    captcha: dict[str, CaptchaSkill] = Field(
        default_factory=_human_captcha,
        description="solve time and accuracy per CAPTCHA kind (Searles et al. 2023); "
        "proof-of-work costs the policy's pow_cost_s",
    )
    captcha_tries: int = Field(3, ge=1, le=100, description="challenges tried per request")
    referral_p: float = Field(
        0.0, ge=0, le=1,
        description="P(holds a community doctor's referral); a scenario with referral_gate sets it",
    )
    reverify_p: float = Field(
        0.5, ge=0, le=1,
        description="P(re-verifies a frozen account rather than give up); an assumption: "
        "Zhejiang's staff got many unfreeze requests (seed report 003)",
    )
    cancel_p: float = Field(
        0.0, ge=0, le=1,
        description="P(cancels a booking for a real reason and books again), e.g. a changed "
        "schedule or hoping for an earlier slot (seed report 003)",
    )
    cancel_after_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=120.0, p95=600.0),
        description="from a booking to cancelling it (cancel_p)",
    )
    resale_willing: float = Field(0.0, ge=0, le=1, description="P(buys from a scalper after failing)")
    wtp: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=300.0, p95=2000.0),
        description="most a patient pays a scalper for a slot (yuan; BJYouth16: 300-500, up to 3,000)",
    )
    market_patience_s: float = Field(3600.0, gt=0, description="how long a failed patient waits for a seller")


Tactic = Literal["snipe", "hold_and_transfer", "seat_spin", "scan"]


class CaptchaSolver(_Frozen):
    """How a crew answers CAPTCHAs: an ML solver (fast, cheap) or a human farm (≈ 14 s, ≈ 90 %)."""

    solver: Literal["ml", "farm"] = "ml"
    latency_s: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=0.5, p95=1.5, floor=0.1),
        description="seconds per solve, drawn per solve (ML ≈ sub-second, farms ≈ 14 s median: "
        "Motoyama10; Clearance: 0.45–1.3 s per token)",
    )
    accuracy: float = Field(0.99, ge=0, le=1, description="mean P(answer right)")
    accuracy_sd: float = Field(
        0.0, ge=0, le=0.5,
        description="spread of the accuracy between devices (each lane draws its own, normal, "
        "clipped to [0, 1]); farms differ by worker pool (2Captcha claims 98 %, Motoyama10 ≈ 90 %)",
    )
    price_per_1000: float = Field(6.0, ge=0, description="yuan per 1,000 solves (≈ $0.8, TheGP)")


class BotCrew(_Frozen):
    """A scalper crew: devices running a grab plug-in with pools of identities."""

    crew: str = Field(min_length=1, max_length=32)
    department: str | None = None
    departments: tuple[str, ...] = Field(
        (),
        description="several departments worked one after another (the crew moves on when one "
        "is sold out, and waits for the next one's release); default: just `department`",
    )
    devices: int = Field(ge=1, le=10_000)
    rate_per_s: float = Field(gt=0, le=10_000, description="requests per second per device")
    lanes: int = Field(4, ge=1, le=256, description="concurrent connections per device (the mean)")
    lanes_spread: int = Field(
        0, ge=0, le=128,
        description="each device draws its lane count uniformly from lanes ± lanes_spread "
        "(at least 1): crews do not run identical phones",
    )
    start_jitter_s: DistField = Field(
        default_factory=lambda: Uniform(dist="uniform", low=-0.5, high=0.5),
        description="added to start_s per device: people start their plug-ins by hand",
    )
    jitter_ms: DistField = Field(
        default_factory=lambda: LogNormal(dist="lognormal", median=2.0, p95=10.0),
        description="per-request network and scheduling jitter added to each pause between "
        "shots (assumption: wired/4G jitter of a few ms); breaks the lanes' phase lock",
    )
    pays_after_rush: bool = Field(
        False,
        description="keep firing during the rush and pay the holds afterwards (within the hold "
        "TTL) instead of paying each hold before the next shot",
    )
    accounts: int = Field(ge=1, le=MAX_IDENTITIES)
    ips: int = Field(ge=1, le=MAX_IDENTITIES)
    persons: int = Field(ge=1, le=MAX_IDENTITIES)
    start_s: float = Field(-1.0, description="when the plug-in starts firing, relative to T0")
    rtt_ms: DistField = Field(default_factory=lambda: Const(value=20.0))
    pay_s: DistField = Field(default_factory=lambda: Const(value=0.5))
    give_up_after_sold_out_s: float = Field(30.0, ge=0)
    max_slots: int = Field(1_000_000, ge=1, description="stop after this many bookings")
    # tactics (DESIGN §4; sim/agents/bot.py documents each)
    tactics: tuple[Tactic, ...] = Field(("snipe",), min_length=1)
    captcha: CaptchaSolver = Field(default_factory=lambda: CaptchaSolver())
    on_rate_limit: Literal["backoff", "rotate"] = Field(
        "backoff", description="wait out Retry-After, or switch to the next IP (and account) at once")
    scan_interval_s: float = Field(5.0, gt=0, description="polling period of the 'scan' tactic")
    spin_margin_s: float = Field(10.0, ge=0, description="seat_spin: re-hold this long before expiry")
    market_poll_s: float = Field(30.0, gt=0, description="how often a lane with stock looks for buyers")
    # economics (yuan per release day; sim/metrics/economics.py)
    face_price: float = Field(50.0, ge=0, description="what the hospital charges per booking")
    markup: float = Field(20.0, ge=0, description="resale price = face_price × markup")
    proxy_cost_per_ip: float = Field(0.0, ge=0)
    id_cost_per_person: float = Field(0.0, ge=0)
    device_cost: float = Field(0.0, ge=0)
    account_cost: float = Field(0.0, ge=0, description="yuan per account and release day")

    @property
    def route(self) -> tuple[str, ...]:
        """Departments the crew works, in order (empty: the scenario's first)."""
        if self.departments:
            return self.departments
        return (self.department,) if self.department is not None else ()

    @property
    def max_lanes(self) -> int:
        """The most lanes the crew can run (every device at lanes + lanes_spread)."""
        return self.devices * (self.lanes + self.lanes_spread)

    @model_validator(mode="after")
    def _grabs_somehow(self) -> BotCrew:
        if not {"snipe", "scan"} & set(self.tactics):
            raise ValueError(f"tactics {list(self.tactics)} never grab a slot; add 'snipe' or 'scan'")
        return self

    @property
    def resale_price(self) -> float:
        """What a buyer pays this crew for one slot."""
        return self.face_price * self.markup


class ServiceModel(_Frozen):
    """The booking service as the simulator sees it: workers, backlog, service times, timeouts."""

    workers: int = Field(8, ge=1, le=100_000)
    backlog: int = Field(512, ge=0, description="queued requests beyond this are rejected (503)")
    timeout_s: float = Field(10.0, gt=0, description="client gives up waiting after this")
    service_ms: dict[str, DistField] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]  # mypy: dict is invariant
            "list_sessions": Exponential(dist="exponential", mean=1.0),
            "hold": Exponential(dist="exponential", mean=2.0),
            "confirm": Exponential(dist="exponential", mean=3.0),
            "cancel": Exponential(dist="exponential", mean=2.0),
        }
    )
    default_service_ms: DistField = Field(default_factory=lambda: Exponential(dist="exponential", mean=2.0))

    def service_dist(self, op: str) -> Any:
        """The service-time distribution (milliseconds) of one operation."""
        return self.service_ms.get(op, self.default_service_ms)


def _policy_spec(value: Any) -> Any:
    """``fcfs`` or ``{rate_limit: {key: ip}}`` or ``{name: …, params: …}`` → PolicySpec input."""
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict) and len(value) == 1 and "name" not in value:
        ((name, params),) = value.items()
        return {"name": name, "params": params or {}}
    return value


PolicyField = Annotated[PolicySpec, BeforeValidator(_policy_spec)]
StackField = Annotated[tuple[PolicyField, ...], BeforeValidator(lambda v: [v] if isinstance(v, str | dict) else v)]


class Scenario(_Frozen):
    """A whole scenario: supply, release, patients, bots, service, policy stack and run settings."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    seed: int = Field(20261122, ge=0, lt=2**63)
    replications: int = Field(10, ge=1, le=10_000)
    horizon: Horizon = Field(default_factory=Horizon)
    supply: Supply
    release: Release = Field(default_factory=Release)
    patients: tuple[PatientSegment, ...] = Field(min_length=1, max_length=MAX_GROUPS)
    bots: tuple[BotCrew, ...] = Field((), max_length=MAX_GROUPS)
    service: ServiceModel = Field(default_factory=ServiceModel)
    policies: StackField = Field(default_factory=lambda: (PolicySpec(name="fcfs"),))
    compare: tuple[StackField, ...] = Field((), max_length=100)
    sweep: dict[str, tuple[Any, ...] | dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="slotgrab compare: dotted path → values, e.g. {bots.0.markup: [5, 20]}, or "
        "a name → named options that set several paths, e.g. {timing: {unified: {}, "
        "staggered: {supply.departments.1.release_offset_s: 3600}}}",
    )
    gates: dict[str, Annotated[tuple[str, ...], Field(max_length=MAX_GROUPS)]] = Field(
        default_factory=dict, max_length=100)
    attack: AttackSettings | None = Field(
        None, description="slotgrab attack: the crew's search space, budget and prices (sim/scenario/attack.py)")
    uncertain: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="slotgrab sensitivity / compare --uncertain: dotted path of a numeric field "
        "→ [low, high], the range the value is honestly uncertain in, e.g. "
        "{bots.plugin.rate_per_s: [50, 200]}",
    )

    @field_validator("policies", "compare")
    @classmethod
    def _known_policies(cls, value: Any) -> Any:
        stacks = value if value and isinstance(value[0], tuple) else (value,)
        for stack in stacks:
            validate_stack(stack)
        return value

    @field_validator("gates")
    @classmethod
    def _valid_gates(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        parse_gate_table(value)  # GateSyntaxError is a ValueError: reported as a field error
        return value

    @model_validator(mode="after")
    def _departments_exist(self) -> Scenario:
        known = {d.id for d in self.supply.departments}
        pairs: tuple[tuple[str, tuple[PatientSegment | BotCrew, ...]], ...] = (
            ("patients", self.patients), ("bots", self.bots))
        for kind, groups in pairs:
            for i, g in enumerate(groups):
                if g.department is not None and g.department not in known:
                    raise ValueError(
                        f"{kind}.{i}.department: {g.department!r} is not a department; "
                        f"allowed: {sorted(known)}"
                    )
        for i, crew in enumerate(self.bots):
            unknown = [d for d in crew.departments if d not in known]
            if unknown:
                raise ValueError(f"bots.{i}.departments: {unknown} are not departments; "
                                 f"allowed: {sorted(known)}")
        return self

    @model_validator(mode="after")
    def _fits_one_machine(self) -> Scenario:
        agents = self.patient_count + sum(c.devices * (c.lanes + c.lanes_spread) for c in self.bots)
        if agents > MAX_AGENTS:
            raise ValueError(f"{agents:,} agents (patients + bot devices × lanes) is more than one "
                             f"machine runs; allowed: at most {MAX_AGENTS:,}")
        identities = sum(c.accounts + c.ips + c.persons for c in self.bots)
        if identities > MAX_AGENTS:
            raise ValueError(f"{identities:,} bot identities (accounts + ips + persons) is more than "
                             f"one machine runs; allowed: at most {MAX_AGENTS:,}")
        if self.capacity > MAX_SLOTS:
            raise ValueError(f"{self.capacity:,} slots in all sessions; allowed: at most {MAX_SLOTS:,}")
        return self

    def department_of(self, group: PatientSegment | BotCrew) -> Department:
        """The department a patient segment or crew goes for (default: the first one)."""
        if group.department is None:
            return self.supply.departments[0]
        return self.supply.department(group.department)

    @property
    def policy_label(self) -> str:
        """The label of this scenario's policy stack."""
        return stack_label(self.policies)

    def with_policies(self, stack: tuple[PolicySpec, ...]) -> Scenario:
        """The same scenario under another policy stack."""
        return self.model_copy(update={"policies": stack})

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A validated copy with dotted-path overrides applied (``{"service.workers": 4}``)."""
        data = apply_overrides(self.model_dump(mode="python", by_alias=True), overrides)
        return Scenario.model_validate(data)

    @property
    def patient_count(self) -> int:
        """Total patients over all segments."""
        return sum(p.count for p in self.patients)

    @property
    def capacities(self) -> dict[str, int]:
        """Session id → its slots (the invariant checks and the slot metrics need it)."""
        return {s.id: s.capacity for d in self.supply.departments for s in d.sessions}

    @property
    def capacity(self) -> int:
        """Total slots over all sessions."""
        return sum(s.capacity for d in self.supply.departments for s in d.sessions)
