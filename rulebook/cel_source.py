"""Small text-level helpers over CEL sources: the library compiles but exposes no AST.

They only need to be right about string literals, brackets and identifiers, which is all the
linter (where is this name?) and `explain` (which clause of the condition failed?) ask of them.
"""

from __future__ import annotations

import re
from typing import Any

_STRING = re.compile(
    r"""[rR]?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""",
    re.DOTALL,
)
# Strings first: `//` inside a string literal is not a comment.
_MASKED = re.compile(f"{_STRING.pattern}|//[^\\n]*", re.DOTALL)
_COMPREHENSION = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_SYNTAX_ERROR = re.compile(r"<input>:(\d+):(\d+): ([^\n]*)")


def mask_strings(source: str) -> str:
    """The source with string bodies and `//` comments blanked, keeping offsets (quotes stay)."""
    return _MASKED.sub(_blank, source)


def _blank(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.startswith("//"):
        return " " * len(text)
    return text[0] + " " * (len(text) - 2) + text[-1]


def comprehension_names(source: str) -> set[str]:
    """Names bound by macros (`x` in `l.exists(x, ...)`), which the library reports as variables."""
    return set(_COMPREHENSION.findall(mask_strings(source)))


def find_name(source: str, name: str) -> int:
    """Offset of the first use of an identifier outside string literals (0 when not found)."""
    match = re.search(rf"(?<![\w.]){re.escape(name)}\b", mask_strings(source))
    return match.start() if match else 0


def member_uses(source: str, root: str) -> list[tuple[str, int]]:
    """Each `root.member` use outside string literals, with its offset (for `vars.teams`)."""
    pattern = rf"(?<![\w.]){re.escape(root)}\s*\.\s*([A-Za-z_]\w*)"
    return [(m.group(1), m.start(1)) for m in re.finditer(pattern, mask_strings(source))]


def matches_patterns(source: str, variables: dict[str, Any]) -> list[tuple[str, int]]:
    """Patterns of `matches` calls known before evaluation: string literals and `vars` entries."""
    found: list[tuple[str, int]] = []
    masked = mask_strings(source)
    for call in re.finditer(r"(?<!\w)matches\s*\(\s*", masked):
        at = call.end()
        literal = _STRING.match(source, at)
        if literal is not None:
            found.append((_unquote(literal.group(0)), at))
            continue
        member = re.match(r"vars\s*\.\s*([A-Za-z_]\w*)", masked[at:])
        if member is not None and isinstance(variables.get(member.group(1)), str):
            found.append((variables[member.group(1)], at))
    return found


def _unquote(literal: str) -> str:
    """The text of a CEL string literal. Only escaped backslashes and quotes are decoded: CEL
    refuses unknown escapes such as a bare backslash-d in a non-raw string before we get here."""
    raw = literal[0] in "rR"
    body = literal[1:] if raw else literal
    quote = 3 if body[:3] in ("'''", '"""') else 1
    text = body[quote:-quote]
    return text if raw else re.sub(r"\\([\\'\"])", r"\1", text)


def split_conjuncts(source: str) -> list[str]:
    """The operands of the top-level `&&` chain (the whole source when there is none).

    A condition that is one outer pair of parentheses is unwrapped first, so `(a && b)` explains
    as two clauses too. `||` and `?:` bind looser than `&&`, so when either appears at the top
    level the condition is not a chain of `&&` and stays whole.
    """
    text = unwrap(source)
    masked = mask_strings(text)
    cuts: list[int] = []
    depth = 0
    for i, ch in enumerate(masked):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (masked.startswith("||", i) or ch == "?"):
            return [text]
        elif depth == 0 and masked.startswith("&&", i):
            cuts.append(i)
    bounds = [0, *[c for cut in cuts for c in (cut, cut + 2)], len(text)]
    return [text[bounds[k] : bounds[k + 1]].strip() for k in range(0, len(bounds), 2)]


def unwrap(source: str) -> str:
    """The source without surrounding blanks and without parentheses around the whole of it."""
    text = source.strip()
    while _wrapped(text):
        text = text[1:-1].strip()
    return text


def _wrapped(text: str) -> bool:
    """True when the whole text is one parenthesised group: `(a) && (b)` is not."""
    masked = mask_strings(text)
    if not (masked.startswith("(") and masked.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(masked):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(masked) - 1:
            return False
    return True


def syntax_error(message: str) -> tuple[int, int, str]:
    """The first error of a compile failure: (line, column) in the expression (1-based), text.

    The library appends the whole set of expected tokens; that list helps nobody fix a rule.
    """
    match = _SYNTAX_ERROR.search(message)
    if match is None:
        return 1, 1, message.strip().splitlines()[0]
    text = match.group(3).split(" expecting {")[0]
    return int(match.group(1)), int(match.group(2)), text


def offset_of(source: str, line: int, column: int) -> int:
    """Character offset of a 1-based (line, column) position in the source."""
    lines = source.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(0, column - 1)
