"""One golden path and its parameters as typed models (the catalog holds them: intents.catalog).

Kept apart from the catalog so the value checks (intents.values) can read a parameter's spec
without importing the catalog, which uses them to build intents.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from intents.durations import format_duration, minutes, parse_duration
from intents.intent import ParamValue

# Every golden path has these two; they become Intent.name and Intent.env.
NAME_KEY = "name"
ENV_KEY = "env"
# A path with a `ttl:` policy takes this parameter too: how long the environment lives.
TTL_KEY = "ttl"


class ParamType(StrEnum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    LIST = "list"
    DURATION = "duration"


class NamedPattern(BaseModel):
    """A regular expression with the same rule in words, because errors quote the words, not the regex."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    regex: str
    words: str


class ParamSpec(BaseModel):
    """One parameter of a golden path.

    `min`/`max` bound the number for int, the length for string, the item count for list and the
    minutes for duration.
    `allowed` lists the values of an enum or the allow-list of a list's items. `pattern` names an
    entry of Catalog.patterns and applies to a string or to each item of a list.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ParamType
    required: bool = False
    default: ParamValue | None = None
    pattern: str | None = None
    min: int | None = None
    max: int | None = None
    allowed: tuple[str, ...] = ()
    help: str = ""
    label: str | None = None
    secret: bool = False


class TtlPolicy(BaseModel):
    """A path whose environments may expire: `ttl=` up to `max`, extended by `extend` at a time.

    Durations are written as in the command (`3d`, `12h`) and kept in canonical form. `default`
    makes every request of the path expire unless it says otherwise; without one, ttl= is optional.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max: str
    extend: str
    default: str | None = None

    @field_validator("max", "extend", "default")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return format_duration(parse_duration(value))
        except ValueError:
            raise ValueError(f"`{value}` is not a duration such as 3d, 12h or 90m") from None

    @model_validator(mode="after")
    def _within_max(self) -> TtlPolicy:
        for field in ("extend", "default"):
            value = getattr(self, field)
            if value is not None and parse_duration(value) > self.longest:
                raise ValueError(f"`{field}` ({value}) is longer than `max` ({self.max})")
        return self

    @property
    def longest(self) -> timedelta:
        return parse_duration(self.max)

    @property
    def step(self) -> timedelta:
        return parse_duration(self.extend)


class GoldenPath(BaseModel):
    """One self-service golden path: what the bot offers, who owns it, which program runs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    aliases: tuple[str, ...] = ()
    description: str
    owner: str
    program: str
    environments: tuple[str, ...]
    # When set, requests without env= target this environment, so an intent always has one.
    default_env: str | None = None
    # When set, requests may give ttl= (see TtlPolicy); the bot destroys what it built at expiry.
    ttl: TtlPolicy | None = None
    parameters: dict[str, ParamSpec]

    @property
    def specs(self) -> dict[str, ParamSpec]:
        """Every parameter in form order: name, env (made from environments), then the declared rest."""
        env = ParamSpec(
            type=ParamType.ENUM,
            required=self.default_env is None,
            default=self.default_env,
            allowed=self.environments,
            label="Environment",
            help="Which environment this is for.",
        )
        specs = {NAME_KEY: self.parameters[NAME_KEY], ENV_KEY: env}
        specs.update((key, spec) for key, spec in self.parameters.items() if key != NAME_KEY)
        if self.ttl is not None:
            specs[TTL_KEY] = ParamSpec(
                type=ParamType.DURATION,
                default=self.ttl.default,
                min=1,
                max=minutes(self.ttl.longest),
                label="Expires after",
                help=f"How long it lives before the bot destroys it, at most {self.ttl.max}; "
                f"it can be extended by {self.ttl.extend} at a time.",
            )
        return specs

    @property
    def secret_keys(self) -> frozenset[str]:
        return frozenset(key for key, spec in self.specs.items() if spec.secret)
