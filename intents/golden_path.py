"""One golden path and its parameters as typed models (the catalog holds them: intents.catalog).

Kept apart from the catalog so the value checks (intents.values) can read a parameter's spec
without importing the catalog, which uses them to build intents.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from intents.intent import ParamValue

# Every golden path has these two; they become Intent.name and Intent.env.
NAME_KEY = "name"
ENV_KEY = "env"


class ParamType(StrEnum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    LIST = "list"


class NamedPattern(BaseModel):
    """A regular expression with the same rule in words, because errors quote the words, not the regex."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    regex: str
    words: str


class ParamSpec(BaseModel):
    """One parameter of a golden path.

    `min`/`max` bound the number for int, the length for string and the item count for list.
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
        return specs

    @property
    def secret_keys(self) -> frozenset[str]:
        return frozenset(key for key, spec in self.specs.items() if spec.secret)
