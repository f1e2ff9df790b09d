"""Checking parameter values against the catalog and assembling an Intent.

The grammar and the forms both end here, so a value typed in the slash command and the same value
entered in a modal are accepted or refused by the same rules with the same words.

Parameters whose pattern is `slack-user-id` (or `slack-channel-id`) take people (channels): what
Slack sends for a mention picked from autocomplete (`<@U123|riley>`, `<#C123|general>`) is read
as the id, and a typed `@riley`, which Slack leaves as text, is refused with how to fix it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from intents.durations import format_duration, parse_duration
from intents.errors import GivenValue, IntentError, Problem, ProblemCode
from intents.golden_path import GoldenPath, NamedPattern, ParamSpec, ParamType
from intents.intent import REDACTED, Intent, ParamValue, format_value
from intents.suggest import closest, did_you_mean
from intents.text import MAX_INPUT_CHARS, SLACK_MARKUP, odd_character, shorten, unescape_entities

RawValue = str | Sequence[str] | None

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


class Patterns(Protocol):
    """What the checks need of the catalog (intents.catalog.Catalog): a parameter's named pattern."""

    def pattern_for(self, spec: ParamSpec) -> NamedPattern | None: ...


class Reference(StrEnum):
    """What a parameter names in Slack, decided by its pattern's name in the catalog."""

    USER = "user"
    CHANNEL = "channel"


REFERENCE_PATTERNS = {"slack-user-id": Reference.USER, "slack-channel-id": Reference.CHANNEL}
# Slack's escaped forms: `<@U123>` / `<@U123|label>`, `<#C123|label>`, `<!subteam^S123|@team>`.
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^<>]*))?>", re.ASCII)
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^<>]*))?>", re.ASCII)
_USERGROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>", re.ASCII)
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^<>]*)?>")


class BadValue(Exception):
    """Internal: one value refused. Turned into a Problem by assemble(); never leaves this package."""

    def __init__(
        self, reason: str | None = None, suggestions: Sequence[str] = (), *, fix: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestions = tuple(suggestions)
        self.fix = fix  # a sentence saying what to do instead, when the expected words do not


@dataclass(frozen=True)
class Entry:
    """One key=value as given, with where it was typed (None for forms)."""

    key: str
    raw: RawValue
    position: int | None = None
    secret_raw: RawValue = None  # the real value of a secret parameter; `raw` then shows REDACTED


# (one, several): how the expected words name a reference parameter's values.
_REFERENCE_WORDS = {
    Reference.USER: (
        "a person, @-mentioned or given as a Slack user id such as U123ABC",
        "people, each @-mentioned or given as a Slack user id such as U123ABC",
    ),
    Reference.CHANNEL: (
        "a channel, #-mentioned or given as a Slack channel id such as C123ABC",
        "channels, each #-mentioned or given as a Slack channel id such as C123ABC",
    ),
}


def reference_of(spec: ParamSpec) -> Reference | None:
    """Whether the parameter takes Slack people or channels (see the module docstring)."""
    return REFERENCE_PATTERNS.get(spec.pattern or "")


def split_items(text: str) -> list[str]:
    """A list value's items: split at commas, but not inside Slack markup (`<@U1|Smith, Jo>`)."""
    items: list[str] = []
    start = 0
    spans = [match.span() for match in SLACK_MARKUP.finditer(text)]
    for index, char in enumerate(text):
        if char == "," and not any(low < index < high for low, high in spans):
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return items


def resolve_reference(reference: Reference, text: str) -> str:
    """The id in Slack's markup for a person or channel (other text passes on to the pattern check),
    or BadValue saying how to give it instead."""
    person, channel = _MENTION.fullmatch(text), _CHANNEL.fullmatch(text)
    if reference is Reference.USER and person:
        return person.group(1)
    if reference is Reference.CHANNEL and channel:
        return channel.group(1)
    if person:
        raise BadValue(f"`@{_label(person)}` is a person, not a channel")
    if channel:
        raise BadValue(f"`#{_label(channel)}` is a channel, not a person")
    group = _USERGROUP.fullmatch(text)
    special = _SPECIAL.fullmatch(text)
    if reference is Reference.USER and (group or special):
        shown = _label(group).removeprefix("@") if group else special.group(1) if special else ""
        raise BadValue(
            f"`@{shorten(shown)}` is a group of people, not a person",
            fix="Name each person instead: type @ and pick them from Slack's list.",
        )
    what, sign = ("person", "@") if reference is Reference.USER else ("channel", "#")
    if text.startswith(sign):
        raise BadValue(
            f"`{shorten(text)}` is typed text, not a mention: Slack does not say which {what} it is",
            fix=f"Type {sign} and pick the {what} from Slack's autocomplete list so `{shorten(text)}` "
            "becomes a mention, then send the command again.",
        )
    return text


def _label(markup: re.Match[str]) -> str:
    # The label after `|` comes escaped like the rest of Slack's text; without one, the id.
    return shorten(unescape_entities(markup.group(2) or markup.group(1)))


def normalise_key(key: str) -> str:
    # Keys are case-insensitive and `max-connections` is read as `max_connections`.
    return key.strip().lower().replace("-", "_")


def expected_words(spec: ParamSpec, pattern: NamedPattern | None) -> str:
    """What the parameter accepts, in words (used in errors, form hints and help)."""
    if spec.type is ParamType.ENUM:
        return "one of: " + ", ".join(spec.allowed)
    if spec.type is ParamType.BOOL:
        return "true or false"
    if spec.type is ParamType.INT:
        return "a whole number" + _range_words(spec.min, spec.max, unit="")
    if spec.type is ParamType.DURATION:
        return "a duration such as 3d, 12h or 90m" + _duration_range_words(spec)
    reference = reference_of(spec)
    if spec.type is ParamType.STRING:
        if reference:
            return _REFERENCE_WORDS[reference][0]
        base = pattern.words if pattern else "text"
        return base + _range_words(spec.min, spec.max, unit=" characters", prefix=", ")
    items = ""
    if spec.allowed:
        items = " of: " + ", ".join(spec.allowed)
    elif reference:
        items = " of " + _REFERENCE_WORDS[reference][1]
    elif pattern:
        items = f" of items that are {pattern.words}"
    return "a comma-separated list" + items + _range_words(spec.min, spec.max, unit=" items", prefix=", ")


def _range_words(low: int | None, high: int | None, *, unit: str, prefix: str = " ") -> str:
    def counted(number: int) -> str:
        # "at least 1 item", "at most 10 items"
        return f"{number}{unit[:-1] if number == 1 and unit.endswith('s') else unit}"

    if low is not None and high is not None:
        return f"{prefix}from {low} to {counted(high)}"
    if low is not None:
        return f"{prefix}at least {counted(low)}"
    if high is not None:
        return f"{prefix}at most {counted(high)}"
    return ""


def _duration_range_words(spec: ParamSpec) -> str:
    # A ttl's lower bound is one minute, which says nothing a reader needs: only the longest is told.
    if spec.max is None:
        return ""
    return f", at most {format_duration(timedelta(minutes=spec.max))}"


def _check_duration(spec: ParamSpec, text: str) -> str:
    try:
        duration = parse_duration(text)
    except ValueError:
        raise BadValue() from None
    if spec.max is not None and duration > timedelta(minutes=spec.max):
        raise BadValue("it is longer than allowed")
    if spec.min is not None and duration < timedelta(minutes=spec.min):
        raise BadValue("it is shorter than allowed")
    return format_duration(duration)


def _clean(text: str) -> str:
    if len(text) > MAX_INPUT_CHARS:
        raise BadValue(f"it is longer than {MAX_INPUT_CHARS} characters")
    odd = odd_character(text)
    if odd is not None:
        raise BadValue(f"it contains {odd[1]}")
    return unicodedata.normalize("NFC", text).strip()


def _check_text(spec: ParamSpec, text: str, pattern: NamedPattern | None, *, item: bool = False) -> str:
    # For a list, name the offending item: the whole value may be long.
    reason = f"`{shorten(text)}` is not allowed" if item else None
    if pattern is not None and not re.fullmatch(pattern.regex, text):
        # `Billing DB` -> `billing-db`: offer the nearest spelling the pattern accepts.
        fixed = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
        raise BadValue(reason, suggestions=[fixed] if re.fullmatch(pattern.regex, fixed) else [])
    if spec.allowed and text not in spec.allowed:
        raise BadValue(reason, suggestions=closest(text, spec.allowed))
    return text


def check_value(spec: ParamSpec, raw: str | Sequence[str], pattern: NamedPattern | None) -> ParamValue:
    """The canonical value for `raw`, or BadValue. Blank input is the caller's business (see assemble)."""
    reference = reference_of(spec)
    if spec.type is ParamType.LIST:
        texts = [raw] if isinstance(raw, str) else list(raw)
        items = [_clean(item) for text in texts for item in split_items(_clean(text))]
        if reference is not None:
            items = [resolve_reference(reference, item) if item else item for item in items]
        # Lists are sets: sorted and without repeats, so equal requests describe equally.
        # Name the offending item only when there are several: `x` (`x` is not allowed) says it twice.
        several = len([item for item in items if item]) > 1
        value = tuple(sorted({_check_text(spec, item, pattern, item=several) for item in items if item}))
        low = max(spec.min or 0, 1 if spec.required else 0)
        if len(value) < low or (spec.max is not None and len(value) > spec.max):
            count = len(value)
            raise BadValue(f"it has {count} item{'' if count == 1 else 's'}" if count else None)
        return value
    if not isinstance(raw, str):
        if len(raw) != 1:
            raise BadValue("give exactly one value")
        raw = raw[0]
    text = _clean(raw)
    if spec.type is ParamType.BOOL:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise BadValue()
    if spec.type is ParamType.INT:
        if not _INT.fullmatch(text):
            raise BadValue()
        number = int(text)
        if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
            raise BadValue("it is out of range")
        return number
    if spec.type is ParamType.DURATION:
        return _check_duration(spec, text)
    if reference is not None:
        text = resolve_reference(reference, text)
    if spec.type is ParamType.STRING and (
        (spec.min is not None and len(text) < spec.min) or (spec.max is not None and len(text) > spec.max)
    ):
        raise BadValue(f"it is {len(text)} characters long")
    return _check_text(spec, text, pattern)


def is_blank(spec: ParamSpec, raw: RawValue) -> bool:
    """Blank means "not given" for single values; a list given empty means "no items"."""
    if raw is None:
        return True
    if spec.type is ParamType.LIST:
        return False
    texts = [raw] if isinstance(raw, str) else list(raw)
    return all(not text.strip() for text in texts)


def as_given(raw: RawValue) -> GivenValue:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else tuple(raw)


def bad_value_problem(
    path: str, key: str, raw: RawValue, expected: str, bad: BadValue, position: int | None
) -> Problem:
    given = shorten(format_value(as_given(raw)))
    reason = f" ({bad.reason})" if bad.reason else ""
    fix = f" {bad.fix}" if bad.fix else ""
    return Problem(
        code=ProblemCode.BAD_VALUE,
        # An empty value has nothing to quote (`` is raw markup in Slack): say it was empty.
        message=(f"`{key}` cannot be `{given}`" if given.strip() else f"`{key}` cannot be empty")
        + f"{reason}: expected {expected}."
        f"{did_you_mean(bad.suggestions)}{fix}",
        path=path,
        key=key,
        given=given,
        expected=expected,
        suggestions=bad.suggestions,
        position=position,
    )


def assemble(catalog: Patterns, path: GoldenPath, values: Mapping[str, RawValue] | Iterable[Entry]) -> Intent:
    """Check every entry for `path`; the Intent, or IntentError carrying every problem at once."""
    intent, problems, given = evaluate(catalog, path, values)
    if intent is None:
        raise IntentError(problems, path=path.name, given=given)
    return intent


def evaluate(
    catalog: Patterns, path: GoldenPath, values: Mapping[str, RawValue] | Iterable[Entry]
) -> tuple[Intent | None, list[Problem], dict[str, GivenValue]]:
    """(intent or None, problems, what was given per lower-case key): assemble() without raising."""
    entries = [Entry(k, v) for k, v in values.items()] if isinstance(values, Mapping) else list(values)
    specs = path.specs
    problems: list[Problem] = []
    given: dict[str, GivenValue] = {}
    accepted: dict[str, ParamValue] = {}
    refused: set[str] = set()
    for entry in entries:
        key = normalise_key(entry.key)
        spec = specs.get(key)
        if spec is not None and spec.secret:
            # A secret is never echoed: not in problems, not in what the bot may log or show again.
            entry = Entry(entry.key, REDACTED, entry.position, secret_raw=entry.raw)
        if key in given:
            problems.append(_duplicate_problem(path.name, key, given[key], entry))
            continue
        given[key] = as_given(entry.raw)
        if spec is None:
            problems.append(_unknown_key_problem(path, entry))
            continue
        raw = entry.secret_raw if spec.secret else entry.raw
        if is_blank(spec, raw):
            continue
        assert raw is not None  # is_blank() said so; for mypy
        pattern = catalog.pattern_for(spec)
        try:
            accepted[key] = check_value(spec, raw, pattern)
        except BadValue as bad:
            refused.add(key)
            # For a secret, reasons and suggestions could quote the value: say only what is expected.
            shown = BadValue() if spec.secret else bad
            expected = expected_words(spec, pattern)
            problems.append(bad_value_problem(path.name, key, entry.raw, expected, shown, entry.position))
    for key, spec in specs.items():
        if key in accepted or key in refused:
            continue
        if spec.default is not None:
            accepted[key] = check_value(spec, format_value(spec.default), catalog.pattern_for(spec))
        elif spec.required:
            problems.append(_missing_problem(catalog, path, key))
    if problems:
        return None, problems, given
    intent = Intent(
        path=path.name,
        name=str(accepted.pop("name")),
        env=str(accepted.pop("env")),
        params={key: accepted[key] for key in specs if key in accepted},
    )
    return intent, problems, given


def _duplicate_problem(path: str, key: str, first: GivenValue, entry: Entry) -> Problem:
    again = shorten(format_value(as_given(entry.raw)))
    return Problem(
        code=ProblemCode.DUPLICATE_KEY,
        message=f"`{key}` is given twice (`{shorten(format_value(first))}` and `{again}`); give it once.",
        path=path,
        key=key,
        given=again,
        position=entry.position,
    )


def _unknown_key_problem(path: GoldenPath, entry: Entry) -> Problem:
    key = normalise_key(entry.key)
    allowed = list(path.specs)
    suggestions = tuple(closest(key, allowed))
    return Problem(
        code=ProblemCode.UNKNOWN_KEY,
        message=f"`{path.name}` has no parameter `{shorten(key)}`.{did_you_mean(suggestions)} "
        f"Its parameters are: {', '.join(allowed)}.",
        path=path.name,
        key=shorten(key),
        given=shorten(format_value(as_given(entry.raw))),
        expected="one of: " + ", ".join(allowed),
        suggestions=suggestions,
        position=entry.position,
    )


def _missing_problem(catalog: Patterns, path: GoldenPath, key: str) -> Problem:
    spec = path.specs[key]
    expected = expected_words(spec, catalog.pattern_for(spec))
    return Problem(
        code=ProblemCode.MISSING_VALUE,
        message=f"`{key}` is required for `{path.name}`: {expected}.",
        path=path.name,
        key=key,
        expected=expected,
    )
