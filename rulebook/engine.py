"""Glue to the CEL library (`common-expression-language`, import name `cel`).

`cel.compile` only parses: unknown names and functions surface at evaluation time, so the linter
checks them against the lists here. Converting Python values into CEL values is the expensive
part of a call (tens of microseconds for a context, under one for running a compiled condition),
so a decision converts its context once, into one `cel.Context`, and runs every rule against it.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import cel
from cel import stdlib

from rulebook.cel_source import mask_strings

# Top-level names a condition may use; those of PLAN_ROOTS only at the plan stage.
PLAN_ROOTS = frozenset({"plan", "cost", "budget"})
ROOTS = frozenset({"intent", "actor", "now", "action", "resource", "previous", "vars"}) | PLAN_ROOTS

# The extension libraries registered on every context. The `lists` library is left out on
# purpose: its `contains` would shadow the native string `contains`.
EXTENSIONS = ("core", "strings", "math", "sets")

# Native functions of the Rust CEL core (macros such as `has`, `all`, `exists` are expanded by the
# parser and never show up as functions).
NATIVE_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches",
        "int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration", "dyn", "type",
        "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip
_EXTENDED = frozenset(name for library in EXTENSIONS for name in stdlib.EXTENSIONS[library])
# The library reports `math.abs(x)` as a function `abs` and a variable `math`; accept both halves.
KNOWN_FUNCTIONS = NATIVE_FUNCTIONS | _EXTENDED | frozenset(n.rsplit(".", 1)[-1] for n in _EXTENDED)
NAMESPACES = frozenset(n.split(".", 1)[0] for n in _EXTENDED if "." in n)

# Functions of ours (registered on every context).
COUNTED = "counted"
KNOWN_FUNCTIONS = KNOWN_FUNCTIONS | {COUNTED}

# Identifiers that name types (`type(x) == int`), reported by the library as variables.
TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)


def is_operator(name: str) -> bool:
    """Operator overloads (`_==_`, `@in`, `!_`) are listed by the library beside functions."""
    return name.startswith(("_", "@")) or name.endswith("_")


# The native `matches` compiles its regex on every call (10 to 25 us, more than all other rules of a
# decision together). cel-go compiles constant patterns once; we get the same by renaming the call
# to a function of ours with a cache. The name has the same length as `matches`, so offsets in a
# prepared source still point at the author's text.
_MATCHES_CALL = re.compile(r"(?<!\w)matches(?=\s*\()")
CACHED_MATCHES = "reMatch"


@functools.lru_cache(maxsize=1024)
def regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(text: str, pattern: str) -> bool:
    # CEL's `matches` is a search, not an anchored match: "bill" matches "billing".
    return regex(pattern).search(text) is not None


def prepare(source: str) -> str:
    """The source as it is compiled: `matches` calls go to the cached implementation."""
    masked = mask_strings(source)
    out = list(source)
    for match in _MATCHES_CALL.finditer(masked):
        out[match.start() : match.end()] = CACHED_MATCHES
    return "".join(out)


def compile_source(source: str) -> cel.Program:
    """Compile a condition or placeholder; raises ValueError on a syntax error."""
    return cel.compile(prepare(source))


def new_context(variables: dict[str, Any]) -> cel.Context:
    context = cel.Context(variables)
    stdlib.add_stdlib_to_context(context, list(EXTENSIONS))
    context.add_function(CACHED_MATCHES, _matches)
    context.add_function(COUNTED, counted)
    return context


def counted(items: list[Any]) -> str:
    """`counted(["delete A", "delete A", "update B"])` -> "2 × delete A, update B": each item once,
    in first-seen order, so a reason lists every affected kind of resource once."""
    tally: dict[str, int] = {}
    for item in items:
        text = render_value(item)
        tally[text] = tally.get(text, 0) + 1
    return ", ".join(text if n == 1 else f"{n} × {text}" for text, n in tally.items())


def describe_failure(exc: Exception) -> str:
    """A short, user-safe reason for a condition that could not be evaluated."""
    if isinstance(exc, KeyError):
        return f"no such field {exc.args[0]!s}" if exc.args else "no such field"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if text.startswith("No such overload"):
        return "type error: an operator or function got a value of the wrong type (no such overload)"
    # The library's messages add advice for Python programmers after the first sentence; and the
    # author wrote `matches`, not the name it was routed to.
    first = text.split(". ")[0].rstrip(".").replace(f"'{CACHED_MATCHES}'", "'matches'")
    first = first.replace("Python function call failed: error: ", "")
    if isinstance(exc, RuntimeError | TypeError | ValueError):
        return first
    return f"{type(exc).__name__}: {first}"


def render_value(value: Any) -> str:
    """How a CEL value reads inside a message: lists joined with commas, booleans in CEL spelling,
    doubles without a trailing `.0`."""
    if type(value) is str:  # the usual case, first
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return ", ".join(render_value(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        # Money and counts arrive as CEL doubles: 125.0 reads as 125, 12.5 as 12.5, 1/3 as 0.33.
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)
