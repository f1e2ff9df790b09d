"""The typed request every other package works on."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict, Field

from intents.text import quote

# A parameter value after validation against the catalog: lists are tuples so intents stay hashable.
ParamValue = str | int | bool | tuple[str, ...]

REDACTED = "***"


class Intent(BaseModel):
    """What a developer asked for, validated against the golden-path catalog.

    `path` is the canonical golden-path name (aliases resolved); `params` holds every
    parameter other than name and env, with catalog defaults filled in and keys lower-case.

    `credentials_version` is no parameter anyone types: it counts the rotations of the resource's
    generated credentials (`/platform rotate`), so a program that honours it (a rotating one)
    issues new ones when it goes up. Every later intent for the resource carries it on.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    name: str
    env: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
    credentials_version: int = Field(default=0, ge=0)

    def describe(self, *, redact: Collection[str] = ()) -> str:
        """The canonical one-line form, e.g. `postgres-database name=billing env=staging size=small`.

        Parsing it (intents.parse_intent) gives back an equal intent. Parameters appear in the
        order the catalog declares them (the order intents are built in). Keys in `redact` (the
        path's secret parameters, see GoldenPath.secret_keys) show as `***`: for display only,
        such a line no longer round-trips. Neither does `credentials_version`, which is not typed.
        """
        parts = [self.path, f"name={quote(self.name)}", f"env={quote(self.env)}"]
        for key, value in self.params.items():
            parts.append(f"{key}={REDACTED if key in redact else quote(format_value(value))}")
        return " ".join(parts)


def format_value(value: ParamValue) -> str:
    """A validated value as text the grammar reads back to the same value."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return ",".join(value)
    return value
