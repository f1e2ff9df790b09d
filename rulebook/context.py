"""The facts a rule's CEL condition (and its message) can see.

Every condition is evaluated against these top-level variables::

    intent   the typed request
      .path        string   canonical golden-path name, e.g. "postgres-database", "service"
      .name        string   the resource name the developer chose
      .env         string   "dev" | "staging" | "prod"
      .params      map      every other parameter, catalog defaults filled in, keys lower-case;
                            lists are CEL lists (e.g. intent.params.extensions)
      .credentials_version int  how often the resource's credentials were rotated (0: never)
    actor    who asked
      .user_id     string   Slack user id, e.g. "U012ABC"
      .team        string or null   their first team (alphabetically)
      .teams       list of strings  every team they are a member of (`resource.owner_team in actor.teams`)
      .groups      list of strings (approver groups the user belongs to)
    now      when, in the rulebook's `timezone`
      .timestamp   timestamp (compare with timestamp("2025-01-01T00:00:00Z"))
      .weekday     int      ISO weekday, 1 = Monday ... 7 = Sunday
      .hour        int      0..23
      .minute      int      0..59
      .date        string   "YYYY-MM-DD"
      .day         string   the weekday's English name, e.g. "Friday" (for messages)
      .time        string   "HH:MM", 24-hour (for messages)
      .timezone    string   e.g. "Europe/London"
    action   string   "apply", "destroy", or "keep" (remove an expiring environment's expiry)
    previous the intent the live resource was last applied with (the fields of `intent`), or null
             for a new resource: an update (`/platform update`) is `intent` against it, e.g.
             `previous != null && intent.params.size != previous.params.size`; a rotation
             (`/platform rotate`) has `intent.credentials_version > previous.credentials_version`
    resource the live resource (stack) the request would change or destroy, at both stages
      .exists      bool     false for a new resource (then the fields below are null, except
                            owner_team when the request declares a team: a service's `team`)
      .owner_team  string or null   the team that owns it (for a new resource: will own it)
      .owner       string or null   Slack user id of its owner (who created it, or got it by transfer)
      .request_id  string or null   the request that last changed it, e.g. "PB-3"
    plan     only at the plan stage (intent-stage rules may not mention it; the linter refuses)
      .changes     list of {urn, type, name (for messages: "PostgresRole billing"), op, keys
                   (changed or replace-causing keys), stateful (bool), labels}; op is Pulumi's:
                   create, update, delete, replace, create-replacement, delete-replaced, same,
                   ...; labels is the resource's attribution as planned, a map {team,
                   cost_centre, golden_path, request_id, requester, environment} ("" for a value
                   the bot does not know), or null when the resource has none (and for a delete)
      .counts      map op -> int; create, update, delete, replace and same are always present
    cost     only at the plan stage: the plan's monthly cost estimate (the price book)
      .priced      bool     false when nothing is known (no prices for the golden path, or no
                            price book): then monthly and delta are 0, never a guess
      .monthly     double or null   the resource's monthly cost once applied (null: the live part
                                    of it has no estimate)
      .delta       double   what the request adds a month (negative for a saving, a destroy)
      .currency    string   e.g. "EUR" ("" when not priced)
      .unpriced    list of strings  resources the price book cannot price ("GitRepository repo")
    budget   only at the plan stage: the budget of the team the resource belongs to, before it
      .team        string or null   the owner team (for a new resource: the team it will belong to)
      .limit       double or null   its monthly budget (null: the team has none)
      .committed   double   what its live resources cost a month now
      .remaining   double or null   limit - committed
      .cost_centre string or null
    vars     the rulebook's own `vars:` section (lists of teams, allow-lists, patterns, hours)

A field that is missing (`intent.params.size` on a `service`) or a type mismatch makes the rule
fail and the request be denied (fail closed): guard with `has(intent.params.size)` or with an
`intent.path == "postgres-database" && ...` test first, since `false && <error>` is false in CEL.
Money is a double in CEL: compare `budget.committed + cost.delta > budget.limit` after
`budget.limit != null`.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intents.intent import Intent

Action = Literal["apply", "destroy", "keep"]

# Always present in plan.counts so `plan.counts.delete > 0` never fails on a plan without deletes.
COUNTED_OPS = ("create", "update", "delete", "replace", "same")


class Actor(BaseModel):
    """Who made the request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    team: str | None = None
    # Every team the person is in; defaults to `team` alone, so callers that know one team need not
    # repeat it.
    teams: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _teams_include_team(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("team") and not data.get("teams"):
            return {**data, "teams": (data["team"],)}
        return data


class ChangeFacts(BaseModel):
    """What the policy needs to know about one resource change in a plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urn: str
    type: str
    op: str
    keys: tuple[str, ...] = ()
    stateful: bool = False
    # How people name the resource in messages, e.g. "PostgresRole billing" (the type token is for
    # conditions; it reads as `pulumi-python:dynamic/platformbot:PostgresRole`).
    name: str = ""
    # The resource's attribution labels as planned; None when it carries none.
    labels: dict[str, str] | None = None


class ResourceFacts(BaseModel):
    """The live resource a request is about, as the bot's ownership records know it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exists: bool = False
    owner_team: str | None = None
    owner: str | None = None
    request_id: str | None = None
    # The intent it was last applied with (the rules' top-level `previous`); None: not known.
    intent: Intent | None = None


NO_RESOURCE = ResourceFacts()


class CostFacts(BaseModel):
    """The plan's monthly cost estimate. The default is "nothing known" (`priced` false)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priced: bool = False
    monthly: float | None = 0.0
    delta: float = 0.0
    currency: str = ""
    unpriced: tuple[str, ...] = ()


class BudgetFacts(BaseModel):
    """The budget of the team the resource belongs to, before the request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str | None = None
    limit: float | None = None
    committed: float = 0.0
    cost_centre: str | None = None


class PlanFacts(BaseModel):
    """The plan as the policy sees it. Empty `counts` are counted from `changes`. `cost` and
    `budget` are known with the plan (they become the top-level `cost` and `budget`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    changes: tuple[ChangeFacts, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)
    cost: CostFacts = CostFacts()
    budget: BudgetFacts = BudgetFacts()


def localize(moment: datetime, zone: tzinfo) -> datetime:
    """The moment in the rulebook's zone; a naive datetime is taken to be in that zone already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def intent_facts(intent: Intent) -> dict[str, Any]:
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in intent.params.items()}
    return {
        "path": intent.path,
        "name": intent.name,
        "env": intent.env,
        "params": params,
        "credentials_version": intent.credentials_version,
    }


def actor_facts(actor: Actor) -> dict[str, Any]:
    return {
        "user_id": actor.user_id,
        "team": actor.team,
        "teams": list(actor.teams),
        "groups": list(actor.groups),
    }


def now_facts(moment: datetime, zone: tzinfo, zone_name: str) -> dict[str, Any]:
    local = localize(moment, zone)
    return {
        "timestamp": local.astimezone(UTC),
        "weekday": local.isoweekday(),
        "hour": local.hour,
        "minute": local.minute,
        "date": local.date().isoformat(),
        "day": local.strftime("%A"),
        "time": local.strftime("%H:%M"),
        "timezone": zone_name,
    }


def resource_facts(resource: ResourceFacts) -> dict[str, Any]:
    # Its intent is the top-level `previous`, not a field of `resource`.
    return resource.model_dump(exclude={"intent"})


def plan_facts(plan: PlanFacts) -> dict[str, Any]:
    counts: dict[str, int] = dict.fromkeys(COUNTED_OPS, 0)
    if plan.counts:
        counts.update(plan.counts)
    else:
        for change in plan.changes:
            counts[change.op] = counts.get(change.op, 0) + 1
    changes = [
        {
            "urn": c.urn,
            "type": c.type,
            # A hand-written fact (a rule test) may give no name: its type is the best there is.
            "name": c.name or c.type,
            "op": c.op,
            "keys": list(c.keys),
            "stateful": c.stateful,
            "labels": None if c.labels is None else dict(c.labels),
        }
        for c in plan.changes
    ]
    return {"changes": changes, "counts": counts}


def cost_facts(cost: CostFacts) -> dict[str, Any]:
    return {**cost.model_dump(), "unpriced": list(cost.unpriced)}


def budget_facts(budget: BudgetFacts) -> dict[str, Any]:
    remaining = None if budget.limit is None else budget.limit - budget.committed
    return {**budget.model_dump(), "remaining": remaining}


def build_context(
    intent: Intent,
    actor: Actor,
    now: datetime,
    *,
    zone: tzinfo,
    zone_name: str,
    action: Action = "apply",
    plan: PlanFacts | None = None,
    resource: ResourceFacts = NO_RESOURCE,
) -> dict[str, Any]:
    """The per-request variables (everything but `vars`), as plain Python values for CEL."""
    return {
        "intent": intent_facts(intent),
        "actor": actor_facts(actor),
        "now": now_facts(now, zone, zone_name),
        "action": action,
        "resource": resource_facts(resource),
        "previous": None if resource.intent is None else intent_facts(resource.intent),
        "plan": None if plan is None else plan_facts(plan),
        "cost": None if plan is None else cost_facts(plan.cost),
        "budget": None if plan is None else budget_facts(plan.budget),
    }
