"""`/platform update`: the live intent with some parameters changed, checked as any intent is.

The grammar cannot check an update on its own: the values it changes belong to an intent only
the bot knows (the one the resource was last applied with). `updated_intent` takes that intent
and the changes and gives the new intent, or IntentError with every problem at once: unknown
keys (with suggestions), values the catalog refuses, keys given twice, keys that cannot change,
and an update that would change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from intents.catalog import Catalog
from intents.errors import IntentError, Problem, ProblemCode
from intents.golden_path import ENV_KEY, NAME_KEY, TTL_KEY
from intents.intent import Intent, format_value
from intents.text import shorten
from intents.values import Entry, evaluate

# Keys no update may change, and why: a new name or environment is another resource, and the
# expiry has its own buttons (Extend, Keep) and rules.
FIXED_KEYS: Mapping[str, str] = {
    NAME_KEY: "it names the resource: request a new one under the new name instead",
    ENV_KEY: "a resource in another environment is another resource: request it there",
    TTL_KEY: "the expiry is changed with the Extend and Keep buttons of its reminder",
}


def updated_intent(
    catalog: Catalog,
    live: Intent,
    changes: Sequence[tuple[str, str]],
    *,
    fixed: Mapping[str, str] | None = None,
) -> Intent:
    """`live` with `changes` ((key, value as typed), keys lower-case) applied and validated.

    `fixed` names more keys that cannot change, with the reason (the bot's: e.g. a `team` that
    owns the resource). The result keeps `live.credentials_version`: an update is no rotation.
    """
    path = catalog.find(live.path)
    if path is None:
        raise IntentError([catalog.unknown_path_problem(live.path)])
    refused = {**FIXED_KEYS, **(fixed or {})}
    problems = [
        Problem(
            code=ProblemCode.FIXED_KEY,
            message=f"`{key}` cannot be changed by an update: {refused[key]}.",
            path=path.name,
            key=key,
            given=shorten(value),
        )
        for key, value in changes
        if key in refused
    ]
    # A refused key keeps its live value, so it is not reported missing as well.
    changed = {key for key, _ in changes if key not in refused}
    current = {NAME_KEY: live.name, ENV_KEY: live.env, **live.params}
    entries = [Entry(key, format_value(value)) for key, value in current.items() if key not in changed]
    entries += [Entry(key, value) for key, value in changes if key not in refused]
    intent, found, given = evaluate(catalog, path, entries)
    problems += found
    if intent is None or problems:
        raise IntentError(problems, path=path.name, given=given)
    intent = intent.model_copy(update={"credentials_version": live.credentials_version})
    if intent == live:
        same = [key for key, _ in changes]
        raise IntentError(
            [
                Problem(
                    code=ProblemCode.NO_CHANGE,
                    message=f"Nothing would change: {_listed(same)} already "
                    f"{'has the value' if len(same) == 1 else 'have the values'} given.",
                    path=path.name,
                )
            ],
            path=path.name,
            given=given,
        )
    return intent


def _listed(keys: Sequence[str]) -> str:
    return ", ".join(f"`{shorten(key)}`" for key in keys)
