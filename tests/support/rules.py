"""Small hand-written rulebooks and the intents and moments they are tried on, for the rulebook's
tests and the `platformbot rulebook` CLI tests."""

from __future__ import annotations

import json
from datetime import datetime
from textwrap import dedent

from intents.intent import Intent, ParamValue
from rulebook import Actor

# A Tuesday at 10:00 in the default rulebook's zone (Europe/Berlin): business hours.
TUESDAY_10 = datetime(2025, 3, 4, 10, 0)
SATURDAY_23 = datetime(2025, 3, 1, 23, 0)
REQUESTER = Actor(user_id="U0REQ", team="payments")


def postgres(env: str = "staging", name: str = "billing", **params: ParamValue) -> Intent:
    values: dict[str, ParamValue] = {"size": "small", "extensions": ()}
    values.update(params)
    return Intent(path="postgres-database", name=name, env=env, params=values)


def service(env: str = "staging", name: str = "checkout", team: str = "payments") -> Intent:
    params: dict[str, ParamValue] = {"team": team, "language": "go", "owners": ("U0REQ",)}
    return Intent(path="service", name=name, env=env, params=params)


def rulebook_text(rules: str, *, vars: str = "{}", header: str = "") -> str:
    """A small rulebook: `rules` is the YAML list of rules, indented by any amount."""
    body = dedent(rules).strip("\n")
    indented = "\n".join("  " + line if line else line for line in body.splitlines())
    return f"name: test\ntimezone: UTC\n{header}vars: {vars}\nrules:\n{indented}\n"


def rule(
    condition: str,
    *,
    id: str = "r",
    effect: str = "deny",
    stage: str = "intent",
    message: str = "m",
    extra: str = "",
) -> str:
    """One rule as YAML list item text."""
    return (
        f"- id: {id}\n  description: d\n  stage: {stage}\n  condition: {json.dumps(condition)}\n"
        f"  effect: {effect}\n  message: {json.dumps(message)}\n{extra}"
    )
