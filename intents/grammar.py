"""The `/platform` grammar: text in, a typed Command (or Intent) out, or IntentError with every problem.

    /platform request <path> [name] key=value ...     values may be "quoted"; lists are a,b,c
    /platform help [topic] | catalog [path] | status <id> | list [mine|pending|all] | cancel <id>
              | destroy <id> | approve <id> | reject <id> <reason> | transfer <id> team=<team>
              | update <id> key=value ... | rotate <id>
              | feedback | stats [7d|30d|90d] | costs [team|path] [30d|90d] | drift [id] | rulebook [rule-id]

Reading is forgiving (any case for command words, paths and keys; curly quotes; `pg` for
`postgres-database`; `17` or `pb-17` for `PB-17`), accepting is strict (values are checked
against the catalog, nothing unknown is dropped silently).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from intents.catalog import Catalog
from intents.commands import (
    COMMAND_WORDS,
    ApproveCommand,
    CancelCommand,
    CatalogCommand,
    Command,
    CostsCommand,
    DestroyCommand,
    DriftCommand,
    FeedbackCommand,
    HelpCommand,
    ListCommand,
    RejectCommand,
    RequestCommand,
    RotateCommand,
    RulebookCommand,
    StatsCommand,
    StatusCommand,
    TransferCommand,
    UpdateCommand,
)
from intents.errors import IntentError, Problem, ProblemCode
from intents.intent import Intent
from intents.suggest import closest, did_you_mean
from intents.text import Token, clean_text, shorten, tokenize, unescape_entities
from intents.values import Entry, evaluate, normalise_key

SLASH_COMMAND = "/platform"
REQUEST_ID_PREFIX = "PB-"
REQUEST_ID_WORDS = "a request id such as PB-17"
_REQUEST_ID = re.compile(r"(?:pb-?)?0*([1-9][0-9]{0,8})", re.IGNORECASE | re.ASCII)
_TEAM = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}", re.IGNORECASE | re.ASCII)
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}", re.ASCII)
_STATS = re.compile(r"(7|30|90)d?", re.IGNORECASE | re.ASCII)
_WINDOW = re.compile(r"(\d+)d", re.IGNORECASE | re.ASCII)
LIST_SCOPES = ("mine", "pending", "all")


def parse_command(text: str, catalog: Catalog) -> Command:
    """The command in slash-command text (without or with the leading `/platform`); empty text is help."""
    tokens = _tokens(text)
    if not tokens:
        return HelpCommand()
    head, args = tokens[0], tokens[1:]
    verb = head.value.lower()
    if head.key is not None or verb not in COMMAND_WORDS:
        raise IntentError([_unknown_command(head, catalog)])
    if verb == "request":
        return RequestCommand(intent=_request(args, catalog))
    return _PARSERS[verb](verb, args, catalog)


def parse_intent(text: str, catalog: Catalog) -> Intent:
    """The intent in `<path> [name] key=value ...`: the words after `request` (which may be included)."""
    tokens = _tokens(text)
    if tokens and tokens[0].key is None and tokens[0].value.lower() == "request":
        tokens = tokens[1:]
    return _request(tokens, catalog)


def normalise_request_id(word: str) -> str | None:
    """`PB-17` for `PB-17`, `pb-17`, `pb17`, `17` (leading zeros dropped); None for anything else."""
    match = _REQUEST_ID.fullmatch(word)
    return f"{REQUEST_ID_PREFIX}{match.group(1)}" if match else None


def _tokens(text: str) -> list[Token]:
    tokens = tokenize(clean_text(text))
    if tokens and tokens[0].key is None and tokens[0].value.lower() == SLASH_COMMAND:
        tokens = tokens[1:]
    return tokens


def _unknown_command(head: Token, catalog: Catalog) -> Problem:
    word = head.raw
    suggestions = closest(head.value.lower(), COMMAND_WORDS) if head.key is None else []
    path = catalog.find(head.value) if head.key is None else None
    if path is not None:
        # `/platform postgres name=x` is a request missing its verb: say exactly what to type.
        suggestions = [f"request {path.name}"]
    return Problem(
        code=ProblemCode.UNKNOWN_COMMAND,
        message=f"`{_typed(word)}` is not a /platform command.{did_you_mean(suggestions)} "
        f"Commands: {', '.join(COMMAND_WORDS)}; see `/platform help` and `/platform catalog`.",
        given=_typed(word),
        expected="one of: " + ", ".join(COMMAND_WORDS),
        suggestions=tuple(suggestions),
        position=head.start,
    )


def _request(tokens: Sequence[Token], catalog: Catalog) -> Intent:
    if not tokens or tokens[0].key is not None:
        raise IntentError(
            [
                Problem(
                    code=ProblemCode.MISSING_PATH,
                    message="Say which golden path first, e.g. `/platform request postgres-database billing "
                    f"env=dev`. Golden paths: {', '.join(catalog.names)}; see `/platform catalog`.",
                    expected="one of: " + ", ".join(catalog.names),
                    position=tokens[0].start if tokens else None,
                )
            ]
        )
    head = tokens[0]
    path = catalog.find(head.value)
    if path is None:
        raise IntentError([catalog.unknown_path_problem(head.value, position=head.start)])
    problems: list[Problem] = []
    entries: list[Entry] = []
    named = False
    continues = False  # the previous word was key=value ending in an unquoted comma
    for token in tokens[1:]:
        if token.key is None and continues:
            # `extensions=pgcrypto, citext` is how people write lists: read it as if quoted.
            last = entries[-1]
            entries[-1] = Entry(last.key, f"{last.raw} {token.value}", last.position)
        elif token.key is None and not named:
            named = True
            entries.append(Entry("name", token.value, token.start))
        elif token.key is None:
            problems.append(
                Problem(
                    code=ProblemCode.UNEXPECTED_ARGUMENT,
                    message=f"Unexpected `{_typed(token.raw)}`: after the name, parameters are written "
                    "key=value, without spaces around `=`.",
                    path=path.name,
                    given=_typed(token.raw),
                    position=token.start,
                )
            )
        elif not token.key:
            problems.append(
                Problem(
                    code=ProblemCode.BAD_SYNTAX,
                    message=f"`{_typed(token.raw)}` has no key before `=`; write key=value, "
                    "without spaces around `=`.",
                    path=path.name,
                    given=_typed(token.raw),
                    position=token.start,
                )
            )
        else:
            entries.append(Entry(token.key, token.value, token.start))
        # Only a key=value word (or a word merged into one) carries its value on to the next word.
        continues = token.raw.endswith(",") and (bool(token.key) or continues)
    intent, found, given = evaluate(catalog, path, entries)
    problems.extend(found)
    problems.sort(key=lambda p: (p.position is None, p.position or 0))
    if intent is None or problems:
        raise IntentError(problems, path=path.name, given=given)
    return intent


# --- the other commands -------------------------------------------------------------------------

_Parser = Callable[[str, Sequence[Token], Catalog], Command]


def _arguments(verb: str, args: Sequence[Token], most: int, usage: str) -> tuple[list[str], list[Problem]]:
    """Bare words up to `most`; key=value and extra words are problems naming the usage."""
    words: list[str] = []
    problems: list[Problem] = []
    for token in args:
        if token.key is None and len(words) < most:
            words.append(token.value)
            continue
        problems.append(
            Problem(
                code=ProblemCode.UNEXPECTED_ARGUMENT,
                message=f"`{verb}` does not take `{_typed(token.raw)}`; usage: `/platform {usage}`.",
                given=_typed(token.raw),
                expected=usage,
                position=token.start,
            )
        )
    return words, problems


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise IntentError(problems)


def _typed(raw: str) -> str:
    """Words of the command echoed as the user typed them: Slack sent `<` `>` `&` as entities, and
    the answer's rendering escapes them again."""
    return shorten(unescape_entities(raw))


def _bad_argument(verb: str, word: str, expected: str, suggestions: Sequence[str] = ()) -> Problem:
    return Problem(
        code=ProblemCode.BAD_ARGUMENT,
        message=f"`{verb}` cannot take `{_typed(word)}`: expected {expected}.{did_you_mean(suggestions)}",
        given=_typed(word),
        expected=expected,
        suggestions=tuple(suggestions),
    )


def _request_id(verb: str, words: list[str], problems: list[Problem], *, required: bool) -> str | None:
    if not words:
        if required:
            problems.append(
                Problem(
                    code=ProblemCode.MISSING_ARGUMENT,
                    # The example shows the id; saying "such as PB-17" before it said it twice.
                    message=f"`{verb}` needs a request id: `/platform {verb} PB-17`.",
                    expected=REQUEST_ID_WORDS,
                )
            )
        return None
    request_id = normalise_request_id(words[0])
    if request_id is None:
        problems.append(_bad_argument(verb, words[0], REQUEST_ID_WORDS))
    return request_id


def _help(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, "help [command or golden path]")
    topic: str | None = None
    if words:
        word = words[0].lower()
        path = catalog.find(word)
        if word in COMMAND_WORDS:
            topic = word
        elif path is not None:
            topic = path.name
        else:
            options = [*COMMAND_WORDS, *catalog.lookup]
            suggestions = [
                catalog.lookup[s].name if s in catalog.lookup else s for s in closest(word, options)
            ]
            expected = "a command or golden path: " + ", ".join([*COMMAND_WORDS, *catalog.names])
            problems.append(_bad_argument(verb, words[0], expected, list(dict.fromkeys(suggestions))))
    _raise(problems)
    return HelpCommand(topic=topic)


def _catalog(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, "catalog [golden path]")
    path: str | None = None
    if words:
        found = catalog.find(words[0])
        if found is None:
            problems.append(catalog.unknown_path_problem(words[0], position=args[0].start))
        else:
            path = found.name
    _raise(problems)
    return CatalogCommand(path=path)


def _with_id(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, f"{verb} PB-17")
    request_id = _request_id(verb, words, problems, required=verb != "drift")
    _raise(problems)
    if verb == "drift":
        return DriftCommand(request_id=request_id)
    assert request_id is not None  # required, so a problem was raised otherwise
    if verb == "status":
        return StatusCommand(request_id=request_id)
    if verb == "cancel":
        return CancelCommand(request_id=request_id)
    if verb == "approve":
        return ApproveCommand(request_id=request_id)
    if verb == "rotate":
        return RotateCommand(request_id=request_id)
    return DestroyCommand(request_id=request_id)


def _reject(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args[:1], 1, "reject PB-17 <reason>")
    request_id = _request_id(verb, words, problems, required=True)
    # Everything after the id is the reason, as typed (a `key=value` word included).
    reason = unescape_entities(" ".join(token.raw for token in args[1:])).strip()
    if not reason and not problems:
        problems.append(
            Problem(
                code=ProblemCode.MISSING_ARGUMENT,
                message=f"`reject` needs a reason the requester can act on: "
                f"`/platform reject {request_id} too big for staging`.",
                expected="a reason",
            )
        )
    _raise(problems)
    assert request_id is not None
    return RejectCommand(request_id=request_id, reason=reason[:500])


def _transfer(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, [t for t in args if t.key != "team"], 1, "transfer PB-17 team=<team>")
    request_id = _request_id(verb, words, problems, required=True)
    # The example uses the id given, when there is one: `transfer PB-1` gets `transfer PB-1 team=…`.
    usage = f"transfer {request_id or 'PB-17'} team=<team>"
    teams = [t for t in args if t.key == "team"]
    if not teams:
        problems.append(
            Problem(
                code=ProblemCode.MISSING_ARGUMENT,
                message=f"`transfer` needs the team that takes it over: `/platform {usage}`.",
                expected="team=<team>",
            )
        )
    elif len(teams) > 1 or not _TEAM.fullmatch(teams[0].value):
        problems.append(
            _bad_argument(verb, teams[-1].raw, "one team=<team> (letters, digits, `.`, `_`, `-`)")
        )
    _raise(problems)
    assert request_id is not None
    return TransferCommand(request_id=request_id, team=teams[0].value)


def _update(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    usage = "update PB-17 key=value ..."
    problems: list[Problem] = []
    id_words: list[str] = []
    changes: list[tuple[str, str]] = []
    continues = False  # as in a request: `extensions=pgcrypto, citext` is one list
    for token in args:
        if token.key is None and continues:
            key, value = changes[-1]
            changes[-1] = (key, f"{value} {token.value}")
        elif token.key is None and not id_words and not changes:
            id_words.append(token.value)
        elif token.key is None:
            problems.extend(_arguments(verb, [token], 0, usage)[1])
        elif not token.key:
            problems.append(_bad_argument(verb, token.raw, "key=value, without spaces around `=`"))
        else:
            changes.append((normalise_key(token.key), token.value))
        continues = token.raw.endswith(",") and (bool(token.key) or continues)
    request_id = _request_id(verb, id_words, problems, required=True)
    if request_id is not None and not changes:
        problems.append(
            Problem(
                code=ProblemCode.MISSING_ARGUMENT,
                message="`update` needs the parameters to change: "
                f"`/platform update {request_id} size=medium`.",
                expected="key=value",
            )
        )
    _raise(problems)
    assert request_id is not None
    return UpdateCommand(request_id=request_id, changes=tuple(changes))


def _list(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, "list [mine|pending|all]")
    scope = words[0].lower() if words else "mine"
    if scope not in LIST_SCOPES:
        problems.append(_bad_argument(verb, words[0], "mine, pending or all", closest(scope, LIST_SCOPES)))
    _raise(problems)
    return ListCommand.model_validate({"scope": scope})


def _feedback(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    _raise(_arguments(verb, args, 0, "feedback")[1])
    return FeedbackCommand()


def _stats(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, "stats [7d|30d|90d]")
    days = 30
    if words:
        match = _STATS.fullmatch(words[0])
        if match is None:
            problems.append(_bad_argument(verb, words[0], "7d, 30d or 90d"))
        else:
            days = int(match.group(1))
    _raise(problems)
    return StatsCommand.model_validate({"days": days})


def _costs(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    """`costs [team|path] [30d|90d]`, in any order: a golden path (or alias) is the path, another
    word the team (whether it exists is for the costs feature, which knows the config)."""
    words, problems = _arguments(verb, args, 2, "costs [team|path] [30d|90d]")
    target: dict[str, str] = {}
    days: int | None = None
    for word in words:
        window = _WINDOW.fullmatch(word)
        found = catalog.find(word)
        if window is not None and days is None and window.group(1) in ("30", "90"):
            days = int(window.group(1))
        elif window is not None:
            problems.append(_bad_argument(verb, word, "one window: 30d or 90d"))
        elif target:
            problems.append(_bad_argument(verb, word, "one team or one golden path, not both"))
        elif found is not None:
            target["path"] = found.name
        elif _TEAM.fullmatch(word):
            target["team"] = word.lower()
        else:
            problems.append(_bad_argument(verb, word, "a team, a golden path, or 30d|90d"))
    _raise(problems)
    return CostsCommand.model_validate({**target, "days": days or 30})


def _rulebook(verb: str, args: Sequence[Token], catalog: Catalog) -> Command:
    words, problems = _arguments(verb, args, 1, "rulebook [rule-id]")
    if words and not _RULE_ID.fullmatch(words[0]):
        problems.append(_bad_argument(verb, words[0], "a rule id (letters, digits, `.`, `_`, `-`, `:`)"))
    _raise(problems)
    return RulebookCommand(rule_id=words[0] if words else None)


_PARSERS: dict[str, _Parser] = {
    "help": _help,
    "catalog": _catalog,
    "status": _with_id,
    "cancel": _with_id,
    "destroy": _with_id,
    "approve": _with_id,
    "reject": _reject,
    "transfer": _transfer,
    "update": _update,
    "rotate": _with_id,
    "drift": _with_id,
    "list": _list,
    "feedback": _feedback,
    "stats": _stats,
    "costs": _costs,
    "rulebook": _rulebook,
}
