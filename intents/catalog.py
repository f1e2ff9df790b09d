"""The golden-path catalog as typed models (the YAML side lives in intents.loader)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from intents.errors import IntentError, Problem, ProblemCode
from intents.intent import Intent, ParamValue
from intents.suggest import closest, did_you_mean

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


class Catalog(BaseModel):
    """All golden paths. Build it with intents.load_catalog, which also checks what types cannot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    patterns: dict[str, NamedPattern] = Field(default_factory=dict)
    paths: tuple[GoldenPath, ...]

    @property
    def lookup(self) -> dict[str, GoldenPath]:
        """Lower-case name or alias -> golden path."""
        words: dict[str, GoldenPath] = {}
        for path in self.paths:
            for word in (path.name, *path.aliases):
                words[word.lower()] = path
        return words

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(path.name for path in self.paths)

    def find(self, word: str) -> GoldenPath | None:
        """The golden path called `word` (name or alias, any case), or None."""
        return self.lookup.get(word.lower())

    def resolve(self, word: str, *, position: int | None = None) -> GoldenPath:
        """Like find(), but an unknown word raises IntentError with the closest matches."""
        found = self.find(word)
        if found is not None:
            return found
        raise IntentError([self.unknown_path_problem(word, position=position)])

    def unknown_path_problem(self, word: str, *, position: int | None = None) -> Problem:
        # Suggest canonical names even when the closest spelling is an alias.
        matches = closest(word.lower(), list(self.lookup))
        suggestions = tuple(dict.fromkeys(self.lookup[match].name for match in matches))
        return Problem(
            code=ProblemCode.UNKNOWN_PATH,
            message=f"There is no golden path called `{word}`.{did_you_mean(suggestions)} "
            "See `/platform catalog` for the golden paths.",
            given=word,
            expected="one of: " + ", ".join(self.names),
            suggestions=suggestions,
            position=position,
        )

    def pattern_for(self, spec: ParamSpec) -> NamedPattern | None:
        return None if spec.pattern is None else self.patterns[spec.pattern]

    def build_intent(self, path: str, values: Mapping[str, str | Sequence[str] | None]) -> Intent:
        """Validate values for a golden path (name or alias) into an Intent, or raise IntentError.

        Keys are case-insensitive. Blank text and None mean "not given" (what an empty modal field
        sends); for a list, an empty list or blank text means "no items". All problems come together.
        """
        from intents.values import assemble  # values imports this module's types

        return assemble(self, self.resolve(path), values)
