"""The golden-path catalog as a typed model (the YAML side lives in intents.loader; one path's
models in intents.golden_path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from intents.errors import IntentError, Problem, ProblemCode
from intents.golden_path import ENV_KEY, NAME_KEY, GoldenPath, NamedPattern, ParamSpec, ParamType
from intents.intent import Intent
from intents.suggest import closest, did_you_mean
from intents.values import assemble

# The path's models are intents.golden_path's; importing them from here keeps working.
__all__ = ["ENV_KEY", "NAME_KEY", "Catalog", "GoldenPath", "NamedPattern", "ParamSpec", "ParamType"]


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
        return assemble(self, self.resolve(path), values)
