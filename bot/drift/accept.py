"""Accept: turn live state back into a golden-path intent, or explain honestly why it cannot be.

A golden path exposes a few parameters, not every knob of what it builds. Accepting drift is only
possible where the live value is one the path could have produced from some parameter value; the
candidate intent is then validated by the catalog like any request, and (for `service`) rendered
again to check it reproduces the live file byte for byte. Everything else is explained.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from intents import IntentError
from intents.catalog import Catalog
from intents.intent import Intent, format_value
from provisioners.errors import ProvisionerError
from provisioners.labels import LABELS_INPUT
from provisioners.plan import ResourceChange
from provisioners.programs.postgres import DATABASE_TYPE, ROLE_TYPE, SIZE_CONNECTION_LIMITS
from provisioners.programs.service import FILE_TYPE, LABELS_FILE, service_files

OWNERS_LINE = re.compile(r"^# Slack owners: (?P<owners>.*)$", re.MULTILINE)
TEAM_LINE = re.compile(r"^\* @(?P<team>\S+)$", re.MULTILINE)
# Labels are attribution, not a parameter: who owns a resource and what it is charged to.
LABELS_EDITED = (
    "The labels of `{name}` were changed by hand; they say who owns it and which cost centre pays "
    "for it, which come from its owners and the bot's config, not from a parameter. Reconcile writes "
    "them back; to move the resource to another team, transfer it."
)


@dataclass(frozen=True)
class Proposal:
    """`intent` is what the live state corresponds to (None when it cannot be accepted, see `reasons`)."""

    intent: Intent | None
    reasons: tuple[str, ...] = ()
    # "size: small -> medium", for the user and the timeline.
    changes: tuple[str, ...] = field(default_factory=tuple)


def propose(intent: Intent, drift: Sequence[ResourceChange], catalog: Catalog) -> Proposal:
    golden = catalog.find(intent.path)
    program = golden.program if golden else intent.path
    if program == "postgres-database":
        overrides, reasons = _postgres(drift)
    elif program == "service":
        overrides, reasons = _service(drift)
    else:
        return Proposal(None, (f"Accept is not available for `{intent.path}`; Reconcile or ask #platform.",))
    if reasons:
        return Proposal(None, tuple(reasons))
    values = {"name": intent.name, "env": intent.env}
    values |= {key: format_value(value) for key, value in intent.params.items()}
    values |= overrides
    try:
        candidate = catalog.build_intent(intent.path, values)
    except IntentError as error:
        problems = "; ".join(p.message for p in error.problems)
        return Proposal(None, (f"The live state maps to parameters the catalog refuses: {problems}",))
    if program == "service":
        mismatch = _service_mismatch(candidate, drift)
        if mismatch:
            return Proposal(None, (mismatch,))
    changed = tuple(
        f"{key}: {_shown(intent.params.get(key))} -> {_shown(candidate.params.get(key))}"
        for key in candidate.params
        if candidate.params.get(key) != intent.params.get(key)
    )
    if not changed:
        return Proposal(None, ("The live state differs in nothing a parameter of this golden path sets.",))
    return Proposal(candidate, (), changed)


def _postgres(drift: Sequence[ResourceChange]) -> tuple[dict[str, str], list[str]]:
    overrides: dict[str, str] = {}
    reasons: list[str] = []
    for change in drift:
        if change.op == "delete":
            reasons.append(
                f"`{change.name}` is gone; nothing describes a database without it. "
                "Reconcile creates it again."
            )
            continue
        for key in change.keys:
            live = change.after.get(key)
            if change.type == ROLE_TYPE and key == "connection_limit":
                size = _size_for(live)
                if size is None:
                    sizes = ", ".join(f"{name} = {limit}" for name, limit in SIZE_CONNECTION_LIMITS.items())
                    reasons.append(
                        f"The owner role's connection limit was set to {live} by hand. The golden path "
                        f"sets it only through `size` ({sizes}), so {live} maps to no size. Reconcile "
                        f"puts it back to {change.before.get(key)}, or request the size you need."
                    )
                else:
                    overrides["size"] = size
            elif change.type == DATABASE_TYPE and key == "extensions" and isinstance(live, list):
                overrides["extensions"] = ",".join(str(e) for e in live)
            elif key == LABELS_INPUT:
                reasons.append(LABELS_EDITED.format(name=change.name))
            else:
                reasons.append(
                    f"`{key}` of `{change.name}` changed by hand, and no parameter of "
                    "postgres-database sets it."
                )
    return overrides, reasons


def _size_for(limit: object) -> str | None:
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)
    return next((size for size, value in SIZE_CONNECTION_LIMITS.items() if value == limit), None)


def _service(drift: Sequence[ResourceChange]) -> tuple[dict[str, str], list[str]]:
    overrides: dict[str, str] = {}
    reasons: list[str] = []
    for change in drift:
        if change.type != FILE_TYPE:
            reasons.append(
                f"`{change.name}` changed outside platformbot; only CODEOWNERS maps back to parameters."
            )
        elif change.op == "delete":
            reasons.append(f"`{change.name}` was removed from the repository. Reconcile restores it.")
        elif change.name == LABELS_FILE:
            reasons.append(LABELS_EDITED.format(name=change.name))
        elif change.name != "CODEOWNERS":
            reasons.append(
                f"`{change.name}` is generated from the service template; a hand edit to it "
                "is no parameter value."
            )
        else:
            content = change.after.get("content")
            owners = OWNERS_LINE.search(content) if isinstance(content, str) else None
            team = TEAM_LINE.search(content) if isinstance(content, str) else None
            if owners is None or team is None:
                reasons.append(
                    "CODEOWNERS no longer has the shape platformbot writes (a `# Slack owners:` line and a "
                    "`* @team` line), so owners and team cannot be read back from it."
                )
                continue
            listed = owners.group("owners").split()
            overrides["owners"] = "" if listed == ["(none)"] else ",".join(listed)
            overrides["team"] = team.group("team")
    return overrides, reasons


def _service_mismatch(candidate: Intent, drift: Sequence[ResourceChange]) -> str | None:
    """The template must give back exactly the live file, or something else was edited as well."""
    try:
        rendered = service_files(candidate)
    except ProvisionerError as exc:
        return f"The live CODEOWNERS maps to a service the template cannot build: {exc.message}"
    for change in drift:
        if _canonical(rendered.get(change.name)) != _canonical(change.after.get("content")):
            return (
                f"`{change.name}` has edits besides owners and team; accepting would lose them. "
                "Reconcile, or change the file back and request the owners you need."
            )
    return None


def _canonical(content: object) -> object:
    """The catalog keeps owners sorted; the order someone typed them in is no edit worth refusing."""
    if not isinstance(content, str):
        return content
    return OWNERS_LINE.sub(
        lambda m: "# Slack owners: " + " ".join(sorted(m.group("owners").split())), content
    )


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, tuple):
        return ",".join(value) or "(none)"
    return str(value)
