"""Reading raw slash-command text: clean-up, tokens, quoting.

Slack clients rewrite what people type (curly quotes, non-breaking spaces) and pasted text can
carry invisible characters; the rules below accept the first and refuse the second with a
clear message, because an invisible character in a name is a trap, not a typo.

With escaping on (the manifest's `should_escape: true`), Slack sends what it recognised as
markup: a mention picked from autocomplete is `<@U123|riley smith>`, a channel `<#C123|general>`,
a link `<https://...|text>`; the three characters it uses for that arrive as `&amp;`, `&lt;`
and `&gt;`. A markup stretch is one piece of a word even when its label has spaces, and the
entities read as the characters they stand for (intents.values turns markup into ids).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intents.errors import IntentError, Problem, ProblemCode

# Slack caps slash-command text at a few thousand characters; nothing legitimate comes near this.
MAX_INPUT_CHARS = 2000
# Long enough for any legitimate value, short enough to echo back in an error.
MAX_ECHO_CHARS = 60

# Openers start a quoted value only at the start of a word or right after `=`, so an apostrophe
# inside a word (`description=Bob's`) stays literal. Curly quotes are what macOS/iOS substitute.
DOUBLE_QUOTES = '"\u201c\u201d'
SINGLE_QUOTES = "'\u2018\u2019"
OPENERS = '"\u201c\u201d' + "'\u2018"
ESCAPE = "\\"

# Slack's markup: `<@U…>`, `<#C…>`, `<!here>`, `<!subteam^S…|@team>`, `<https://…>`, `<mailto:…>`.
# A literal `<` typed in Slack arrives as `&lt;`, so a `<` opening one of these is always markup.
SLACK_MARKUP = re.compile(r"<(?:[@#!]|https?://|mailto:)[^<>\n]*>", re.IGNORECASE)
# The only entities Slack uses; `&` followed by anything else is a literal ampersand.
ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_ENTITY = re.compile("|".join(ENTITIES))


def unescape_entities(text: str) -> str:
    """`&lt;` -> `<` and so on, in one pass (so `&amp;lt;` is the text `&lt;`)."""
    return _ENTITY.sub(lambda match: ENTITIES[match.group()], text)


# Unicode categories refused anywhere: controls, format characters (zero-width, bidi overrides),
# surrogates, private use and unassigned code points.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ALLOWED_CONTROLS = frozenset("\t\n\r")


# Echoed text stands between backticks (a code span), which Slack cannot escape: a backtick in it
# would end the span early and turn the rest of the message into markup. A look-alike keeps it.
_BACKTICK_LOOKALIKE = "\u02cb"


def shorten(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """Text the user typed, as an answer echoes it: at most `limit` characters, no backtick."""
    text = text.replace("`", _BACKTICK_LOOKALIKE)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def odd_character(text: str) -> tuple[int, str] | None:
    """The first character that must not appear in input, with a description of it, or None."""
    for index, char in enumerate(text):
        if char in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES:
            name = unicodedata.name(char, "")
            label = f"U+{ord(char):04X}" + (f" {name}" if name else "")
            kind = "a control character" if category == "Cc" else "an invisible or unassigned character"
            return index, f"{kind} ({label})"
    return None


def clean_text(text: str) -> str:
    """NFC-normalised text, or IntentError for input that is too long or carries odd characters."""
    if len(text) > MAX_INPUT_CHARS:
        raise IntentError(
            [
                Problem(
                    code=ProblemCode.BAD_INPUT,
                    message=f"The command is {len(text)} characters long; the limit is {MAX_INPUT_CHARS}.",
                    expected=f"at most {MAX_INPUT_CHARS} characters",
                )
            ]
        )
    odd = odd_character(text)
    if odd is not None:
        index, what = odd
        raise IntentError(
            [
                Problem(
                    code=ProblemCode.BAD_INPUT,
                    message=f"The command contains {what} at position {index + 1}; "
                    "retype it without copying from elsewhere.",
                    position=index,
                )
            ]
        )
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Token:
    """One word of the command: a bare word (key is None) or key=value."""

    value: str
    key: str | None
    start: int
    raw: str


def tokenize(text: str) -> list[Token]:
    """Split cleaned text into words; quotes group, backslash escapes inside quotes only."""
    tokens: list[Token] = []
    problems: list[Problem] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        chars: list[str] = []
        key: str | None = None
        at_value_start = True
        while True:
            while i < n and not text[i].isspace():
                char = text[i]
                if at_value_start and char in OPENERS:
                    opened_at = i
                    closers = DOUBLE_QUOTES if char in DOUBLE_QUOTES else SINGLE_QUOTES
                    i, quoted, closed = _read_quoted(text, i + 1, closers)
                    chars.append(quoted)
                    if not closed:
                        problems.append(
                            Problem(
                                code=ProblemCode.BAD_SYNTAX,
                                message=f"The quote {char} at position {opened_at + 1} is never closed; "
                                "end the value with a matching quote.",
                                given=shorten(text[start:]),
                                position=opened_at,
                            )
                        )
                    at_value_start = False
                    continue
                at_value_start = False
                markup = SLACK_MARKUP.match(text, i) if char == "<" else None
                if markup is not None:
                    chars.append(markup.group())
                    i = markup.end()
                    continue
                entity = _ENTITY.match(text, i) if char == "&" else None
                if entity is not None:
                    chars.append(ENTITIES[entity.group()])
                    i = entity.end()
                    continue
                if char == "=" and key is None:
                    key = "".join(chars)
                    chars = []
                    at_value_start = True
                else:
                    chars.append(char)
                i += 1
            glue = _glue(text, i, after_mention=key is not None and _ends_in_mention(chars))
            if glue is None:
                break
            i, joiner = glue
            chars.append(joiner)
            at_value_start = False
        tokens.append(Token(value="".join(chars), key=key, start=start, raw=text[start:i]))
    if problems:
        raise IntentError(problems)
    return tokens


def _glue(text: str, i: int, *, after_mention: bool) -> tuple[int, str] | None:
    """Where a word goes on past the whitespace at `i`, and with what: before a comma (Slack's
    client puts a space after a picked mention, so `@dana , @riley` is typed), and from one picked
    mention to the next (`owners=@dana @riley`), read as a list. None: the word ends here."""
    j = i
    while j < len(text) and text[j].isspace():
        j += 1
    if j == i or j == len(text):
        return None
    if text[j] == ",":
        return j, ""
    markup = SLACK_MARKUP.match(text, j)
    if after_mention and markup is not None and markup.group().startswith(("<@", "<#")):
        return j, ","
    return None


def _ends_in_mention(chars: list[str]) -> bool:
    # Markup is appended whole, so a mention is one multi-character piece.
    return bool(chars) and len(chars[-1]) > 2 and chars[-1].startswith(("<@", "<#"))


def _read_quoted(text: str, i: int, closers: str) -> tuple[int, str, bool]:
    """Read a quoted stretch starting after its opener: (index after closer, content, closed?)."""
    out: list[str] = []
    n = len(text)
    while i < n:
        char = text[i]
        if char == ESCAPE and i + 1 < n:
            out.append(text[i + 1])
            i += 2
            continue
        if char in closers:
            return i + 1, "".join(out), True
        entity = _ENTITY.match(text, i) if char == "&" else None
        if entity is not None:
            out.append(ENTITIES[entity.group()])
            i = entity.end()
            continue
        out.append(char)
        i += 1
    return i, "".join(out), False


def quote(value: str) -> str:
    """The value as it must be typed so tokenize() reads it back unchanged."""
    bare = bool(value) and value[0] not in OPENERS and not any(char.isspace() for char in value)
    if bare and not _ENTITY.search(value):
        return value
    # A backslash before `&` keeps `&amp;` in a value from being read as an entity.
    escaped = re.sub(r'["\u201c\u201d\\]|&(?=amp;|lt;|gt;)', lambda m: ESCAPE + m.group(), value)
    return f'"{escaped}"'
