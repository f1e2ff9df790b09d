"""Forms: a neutral description of a golden path's parameters, for the bot to draw as a Slack modal.

`/platform request postgres-database` with parameters missing or wrong should end in a form that
is already filled with what was typed and shows each problem next to its field; submitting it goes
back through the same validation as the slash command (intent_from_form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from intents.catalog import Catalog, GoldenPath, NamedPattern, ParamSpec, ParamType
from intents.errors import GivenValue, Problem
from intents.intent import Intent, format_value
from intents.text import unescape_entities
from intents.values import (
    BadValue,
    RawValue,
    Reference,
    expected_words,
    normalise_key,
    reference_of,
    resolve_reference,
    split_items,
)

FormValue = str | tuple[str, ...]


class FormOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    label: str


class FormField(BaseModel):
    """One input. `options` non-empty means pick from them (several when `multiple`), else free text.

    `reference` ("user" or "channel") marks a field that takes Slack people or channels: draw a
    picker, and `current`/`default` hold their ids (a mention typed as `<@U1|riley>` becomes `U1`;
    typed text that names nobody is left out, the field's error says why).
    `current` is what the developer gave (typed text, or items for a list) and `default` the catalog
    default, both as text; `error` joins the problems found for this field.
    """

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    type: ParamType
    required: bool
    multiple: bool
    options: tuple[FormOption, ...] = ()
    default: FormValue | None = None
    current: FormValue | None = None
    help: str = ""
    expected: str = ""  # what is accepted, in words: a placeholder or hint
    secret: bool = False
    reference: Reference | None = None
    min: int | None = None
    max: int | None = None
    error: str | None = None


class Form(BaseModel):
    """The whole form for one golden path; `errors` holds problems that belong to no field."""

    model_config = ConfigDict(frozen=True)

    path: str
    title: str
    description: str
    fields: tuple[FormField, ...]
    errors: tuple[str, ...] = ()

    def field(self, key: str) -> FormField:
        return next(field for field in self.fields if field.key == key)


def build_form(
    catalog: Catalog,
    path: str,
    given: Mapping[str, RawValue | GivenValue] | None = None,
    problems: Iterable[Problem] = (),
) -> Form:
    """The form for `path` (name or alias; IntentError if unknown), filled with `given`, showing `problems`.

    Typically called with an IntentError's `.path`, `.given` and `.problems`.
    """
    golden = catalog.resolve(path)
    values = {normalise_key(key): value for key, value in (given or {}).items()}
    per_key: dict[str, list[str]] = {}
    loose: list[str] = []
    for problem in problems:
        if problem.key is not None and problem.key in golden.specs:
            per_key.setdefault(problem.key, []).append(problem.message)
        else:
            loose.append(problem.message)
    fields = tuple(
        _field(catalog, key, spec, values.get(key), per_key.get(key, []))
        for key, spec in golden.specs.items()
    )
    return Form(
        path=golden.name,
        title=_title(golden),
        description=golden.description,
        fields=fields,
        errors=tuple(loose),
    )


def intent_from_form(catalog: Catalog, path: str, values: Mapping[str, RawValue]) -> Intent:
    """Form values (field key -> text, or list of texts for multi-selects and pickers; a people
    picker gives user ids) into an Intent.

    The same validation as the slash command: IntentError with every problem, ready for build_form.
    """
    return catalog.build_intent(path, values)


def _title(golden: GoldenPath) -> str:
    # Slack caps modal titles at 24 characters.
    title = f"New {golden.name}"
    return title if len(title) <= 24 else title[:23] + "…"


def _field(
    catalog: Catalog, key: str, spec: ParamSpec, value: RawValue | GivenValue, errors: Sequence[str]
) -> FormField:
    multiple = spec.type is ParamType.LIST
    options: tuple[str, ...] = spec.allowed
    if spec.type is ParamType.BOOL:
        options = ("true", "false")
    pattern = catalog.pattern_for(spec)
    default = None if spec.default is None else _as_form_value(spec, format_value(spec.default), pattern)
    # A secret is not echoed back into a form: modal state is stored by Slack.
    current = None if spec.secret or value is None else _as_form_value(spec, value, pattern)
    return FormField(
        key=key,
        label=spec.label or key.replace("_", " ").capitalize(),
        type=spec.type,
        required=spec.required,
        multiple=multiple,
        options=tuple(FormOption(value=option, label=option) for option in options),
        default=default,
        current=current,
        help=spec.help,
        expected=expected_words(spec, pattern),
        secret=spec.secret,
        reference=reference_of(spec),
        min=spec.min,
        max=spec.max,
        error=" ".join(errors) or None,
    )


def _as_form_value(spec: ParamSpec, value: str | Sequence[str], pattern: NamedPattern | None) -> FormValue:
    texts = [value] if isinstance(value, str) else list(value)
    items = [item.strip() for text in texts for item in split_items(text) if item.strip()]
    reference = reference_of(spec)
    if reference is not None:
        # A picker shows only ids: mentions are resolved, and what names nobody is left out.
        items = [found for item in items if (found := _reference_id(reference, item, pattern))]
    if spec.type is ParamType.LIST:
        return tuple(items)
    return ",".join(items if reference is not None else texts)


def _reference_id(reference: Reference, text: str, pattern: NamedPattern | None) -> str | None:
    try:
        # Values that went through a Slack message (a button's value) may come back escaped.
        found = resolve_reference(reference, unescape_entities(text))
    except BadValue:
        return None
    return found if pattern is None or re.fullmatch(pattern.regex, found) else None
