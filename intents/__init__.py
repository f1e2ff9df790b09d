"""intents: the golden-path catalog, the `/platform` grammar and the typed Intent (pure: pydantic + stdlib).

Public API (see CONTRACTS.md): Intent, load_catalog, parse_catalog, DEFAULT_CATALOG_PATH, Catalog,
parse_command, parse_intent, the Command union and its models, IntentError/CatalogError, build_form.
"""

from __future__ import annotations

from intents.catalog import Catalog, GoldenPath, NamedPattern, ParamSpec, ParamType
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
from intents.durations import format_duration, parse_duration
from intents.errors import (
    CatalogError,
    CatalogProblem,
    IntentError,
    IntentsError,
    Problem,
    ProblemCode,
)
from intents.forms import Form, FormField, FormOption, build_form, intent_from_form
from intents.golden_path import TTL_KEY, TtlPolicy
from intents.grammar import normalise_request_id, parse_command, parse_intent
from intents.intent import Intent, ParamValue
from intents.loader import DEFAULT_CATALOG_PATH, load_catalog, parse_catalog
from intents.updates import FIXED_KEYS, updated_intent

__all__ = [
    "COMMAND_WORDS",
    "DEFAULT_CATALOG_PATH",
    "FIXED_KEYS",
    "ApproveCommand",
    "CancelCommand",
    "Catalog",
    "CatalogCommand",
    "CatalogError",
    "CatalogProblem",
    "Command",
    "CostsCommand",
    "DestroyCommand",
    "DriftCommand",
    "FeedbackCommand",
    "Form",
    "FormField",
    "FormOption",
    "GoldenPath",
    "HelpCommand",
    "Intent",
    "IntentError",
    "IntentsError",
    "ListCommand",
    "NamedPattern",
    "ParamSpec",
    "ParamType",
    "ParamValue",
    "Problem",
    "ProblemCode",
    "RejectCommand",
    "RequestCommand",
    "RotateCommand",
    "RulebookCommand",
    "StatsCommand",
    "StatusCommand",
    "TTL_KEY",
    "TransferCommand",
    "UpdateCommand",
    "TtlPolicy",
    "build_form",
    "format_duration",
    "intent_from_form",
    "load_catalog",
    "normalise_request_id",
    "parse_catalog",
    "parse_command",
    "parse_duration",
    "parse_intent",
    "updated_intent",
]
