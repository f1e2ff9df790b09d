"""Rulebook benchmark: a 100-rule book on 10,000 generated intents, against two peers.

The same 100 rules are written three times: as a rulebook for `rulebook` (CEL through the
`common-expression-language` package), as one Rego module evaluated by `regopy` (rego-cpp; a
compiled bundle, its fastest path), and as CEL evaluated by `cel-python` (`celpy`). Each peer is
checked to fire exactly the same rules as ours on every sampled intent before its time counts.

Ours is timed on every intent; the peers are far slower, so by default they run on the first
`--peer-sample` intents and the ratios compare the three engines on exactly those intents.

    .venv/bin/python benchmarks/bench_rulebook.py [--intents 10000] [--peer-sample 500] [--seed 7]

Targets: p99 <= 0.5 ms per decision, and at least 100 times faster than the Rego run (median).
The figures are printed as measured, whether or not a target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intents.intent import Intent  # noqa: E402
from rulebook import Action, Actor, Rulebook, parse_rulebook  # noqa: E402

ENVS = ("dev", "staging", "prod")
SIZES = ("small", "medium", "large")
EXTENSIONS = (
    "pgcrypto",
    "citext",
    "pg_trgm",
    "uuid-ossp",
    "hstore",
    "btree_gist",
    "plv8",
    "postgis",
    "timescaledb",
)
TEAMS = (
    "payments",
    "platform",
    "search",
    "identity",
    "data",
    "growth",
    "ads",
    "mobile",
    "web",
    "infra",
    "ml",
    "qa",
)
GROUPS = ("security", "oncall", "dba", "sre", "admins")
PREFIXES = (
    "tmp",
    "test",
    "legacy",
    "old",
    "x",
    "demo",
    "scratch",
    "poc",
    "bill",
    "pay",
    "user",
    "auth",
    "api",
    "db",
)
PG = "postgres-database"
WORDS = (
    "billing",
    "ledger",
    "search",
    "orders",
    "users",
    "auth",
    "catalog",
    "events",
    "api",
    "cache",
    "queue",
)


@dataclass(frozen=True)
class BenchRule:
    id: str
    effect: str
    cel: str
    rego_bodies: tuple[str, ...]  # one Rego rule body per `||` branch


def make_rules(count: int = 100) -> tuple[list[BenchRule], dict[str, Any]]:
    """`count` rules in seven families, the kinds of checks a platform rulebook makes."""
    variables: dict[str, Any] = {"days": [1, 2, 3, 4, 5]}
    for k in range(5):
        variables[f"ext_{k}"] = list(EXTENSIONS[: 4 + k])
        variables[f"teams_{k}"] = list(TEAMS[: 5 + k])
    rules: list[BenchRule] = []
    for i in range(count):
        family, j = i % 7, i // 7
        env, size, k = ENVS[j % 3], SIZES[(j + 1) % 3], j % 5
        rid = f"r{i:03d}"
        if family == 0:
            cel = f'intent.env == "{env}" && intent.path == "{PG}" && intent.params.size == "{size}"'
            bodies = (f'input.intent.env == "{env}"; input.intent.path == "{PG}"; '
                      f'input.intent.params.size == "{size}"',)  # fmt: skip
            rules.append(BenchRule(rid, "require_approval", cel, bodies))
        elif family == 1:
            pattern = f"^[a-z][a-z0-9-]{{1,{10 + 2 * j}}}[a-z0-9]$"
            cel = f'!intent.name.matches("{pattern}")'
            rules.append(BenchRule(rid, "deny", cel, (f'not regex.match("{pattern}", input.intent.name)',)))
        elif family == 2:
            cel = f'intent.path == "{PG}" && intent.params.extensions.exists(e, !(e in vars.ext_{k}))'
            bodies = (f'input.intent.path == "{PG}"; some e in input.intent.params.extensions; '
                      f"not e in data.vars.ext_{k}",)  # fmt: skip
            rules.append(BenchRule(rid, "deny", cel, bodies))
        elif family == 3:
            cel = f'intent.path == "service" && !(intent.params.team in vars.teams_{k})'
            bodies = (f'input.intent.path == "service"; not input.intent.params.team in data.vars.teams_{k}',)
            rules.append(BenchRule(rid, "deny", cel, bodies))
        elif family == 4:
            start, end = 7 + j % 3, 17 + j % 3
            cel = (f'intent.env == "{env}" && (!(now.weekday in vars.days) || now.hour < {start} '
                   f"|| now.hour >= {end})")  # fmt: skip
            bodies = (
                f'input.intent.env == "{env}"; not input.now.weekday in data.vars.days',
                f'input.intent.env == "{env}"; input.now.hour < {start}',
                f'input.intent.env == "{env}"; input.now.hour >= {end}',
            )
            rules.append(BenchRule(rid, "require_approval", cel, bodies))
        elif family == 5:
            group = GROUPS[j % len(GROUPS)]
            cel = f'"{group}" in actor.groups && intent.env == "{env}" && action == "destroy"'
            bodies = (
                f'"{group}" in input.actor.groups; input.intent.env == "{env}"; input.action == "destroy"',
            )
            rules.append(BenchRule(rid, "warn", cel, bodies))
        else:
            prefix, team = PREFIXES[j % len(PREFIXES)], TEAMS[j % len(TEAMS)]
            cel = f'intent.name.startsWith("{prefix}") && actor.team != "{team}"'
            bodies = (f'startswith(input.intent.name, "{prefix}"); input.actor.team != "{team}"',)
            rules.append(BenchRule(rid, "warn", cel, bodies))
    return rules, variables


def rulebook_yaml(rules: Sequence[BenchRule], variables: dict[str, Any]) -> str:
    lines = ["name: bench", "timezone: Europe/Berlin", f"vars: {json.dumps(variables)}", "rules:"]
    for rule in rules:
        lines += [
            f"  - id: {rule.id}",
            "    description: benchmark rule",
            "    stage: intent",
            f"    condition: {json.dumps(rule.cel)}",
            f"    effect: {rule.effect}",
            '    message: "{{ intent.path }} {{ intent.name }} in {{ intent.env }} hit ' + rule.id + '"',
        ]
        if rule.effect == "require_approval":
            lines.append("    approval: {group: security, count: 1}")
    return "\n".join(lines) + "\n"


def rego_module(rules: Sequence[BenchRule]) -> str:
    out = ["package bench", "import rego.v1", ""]
    for rule in rules:
        for body in rule.rego_bodies:
            out.append(f'fired contains "{rule.id}" if {{ {body} }}')
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Request:
    intent: Intent
    actor: Actor
    now: datetime
    action: Action

    def as_input(self) -> dict[str, Any]:
        """The same facts the rulebook builds its context from, as plain JSON-like data."""
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.intent.params.items()}
        return {
            "intent": {
                "path": self.intent.path,
                "name": self.intent.name,
                "env": self.intent.env,
                "params": params,
            },
            "actor": {
                "user_id": self.actor.user_id,
                "team": self.actor.team,
                "groups": list(self.actor.groups),
            },
            "now": {"weekday": self.now.isoweekday(), "hour": self.now.hour},
            "action": self.action,
        }


def make_requests(count: int, seed: int) -> list[Request]:
    rng = random.Random(seed)
    monday = datetime(2025, 3, 3)
    requests = []
    for n in range(count):
        name = f"{rng.choice(PREFIXES + WORDS)}-{rng.choice(WORDS)}"
        if rng.random() < 0.1:  # some names break the naming rules
            name = rng.choice([name.upper(), name + "-", "x", name * 4, "9" + name])
        env = rng.choice(ENVS)
        if rng.random() < 0.6:
            exts = tuple(sorted(rng.sample(EXTENSIONS, rng.randint(0, 3))))
            intent = Intent(path="postgres-database", name=name, env=env,
                            params={"size": rng.choice(SIZES), "extensions": exts})  # fmt: skip
        else:
            params = {
                "team": rng.choice(TEAMS),
                "language": rng.choice(("python", "go", "node")),
                "owners": ("U1",),
            }
            intent = Intent(path="service", name=name, env=env, params=params)
        actor = Actor(
            user_id=f"U{n % 50}", team=rng.choice(TEAMS), groups=tuple(rng.sample(GROUPS, rng.randint(0, 2)))
        )
        now = monday + timedelta(minutes=rng.randrange(7 * 24 * 60))
        requests.append(Request(intent, actor, now, "destroy" if rng.random() < 0.1 else "apply"))
    return requests


@dataclass
class Timing:
    wall: list[float]  # what a caller waits: the targets are judged on this
    cpu: list[float]  # this thread's CPU time: what the decision costs when the machine is busy
    fired: list[frozenset[str]]


def timed(run: Callable[[Request], frozenset[str]], requests: Sequence[Request]) -> Timing:
    for request in requests[:200]:  # warm-up: caches, lazily compiled paths
        run(request)
    timing = Timing([], [], [])
    for request in requests:
        cpu, start = time.thread_time(), time.perf_counter()
        result = run(request)
        timing.wall.append(time.perf_counter() - start)
        timing.cpu.append(time.thread_time() - cpu)
        timing.fired.append(result)
    return timing


def ours(book: Rulebook) -> Callable[[Request], frozenset[str]]:
    def run(request: Request) -> frozenset[str]:
        decision = book.evaluate(request.intent, request.actor, request.now, action=request.action)
        return frozenset(decision.rule_ids)

    return run


def rego(
    rules: Sequence[BenchRule], variables: dict[str, Any], sample: Sequence[Request]
) -> Callable[[Request], frozenset[str]]:
    from regopy import Interpreter

    interpreter = Interpreter()
    interpreter.add_module("bench.rego", rego_module(rules))
    interpreter.add_data({"vars": variables})
    bundle = interpreter.build("x := data.bench.fired")
    # Plain dicts are made before timing (a favour to the peer); handing them to the engine counts,
    # as ours counts building its CEL context.
    inputs = {id(request): request.as_input() for request in sample}

    def run(request: Request) -> frozenset[str]:
        interpreter.set_input(inputs[id(request)])
        output = interpreter.query_bundle(bundle)
        return frozenset(json.loads(str(output))["bindings"]["x"])

    return run


def celpy_engine(
    rules: Sequence[BenchRule], variables: dict[str, Any], sample: Sequence[Request]
) -> Callable[[Request], frozenset[str]]:
    import celpy

    env = celpy.Environment()
    programs = [(rule.id, env.program(env.compile(rule.cel))) for rule in rules]
    cel_vars = celpy.json_to_cel(variables)  # converted once, as ours converts vars once per thread
    inputs = {id(request): request.as_input() for request in sample}

    def run(request: Request) -> frozenset[str]:
        activation = {key: celpy.json_to_cel(value) for key, value in inputs[id(request)].items()}
        activation["vars"] = cel_vars
        return frozenset(rid for rid, program in programs if bool(program.evaluate(activation)))

    return run


def summary(times: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * len(ordered))) - 1)]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intents", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--peer-sample", type=int, default=500, help="intents the peers run on; 0 = all")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rules, variables = make_rules(args.rules)
    book = parse_rulebook(rulebook_yaml(rules, variables).encode(), "<bench>")
    requests = make_requests(args.intents, args.seed)
    sample = requests if args.peer_sample <= 0 else requests[: args.peer_sample]

    load_before = os.getloadavg()
    mine = timed(ours(book), requests)
    median, p99 = summary(mine.wall)
    cpu_median, cpu_p99 = summary(mine.cpu)
    fired_counts = [len(f) for f in mine.fired]
    print(
        f"rulebook benchmark: {len(book.rules)} rules, {len(requests)} generated intents (seed {args.seed})"
    )
    load = ", ".join(f"{x:.1f}" for x in load_before)
    print(
        f"  machine: {os.cpu_count()} CPUs, load average {load} at start (other work widens wall-clock p99)"
    )
    print(
        f"  rules that fired per decision: mean {statistics.mean(fired_counts):.1f}, max {max(fired_counts)}"
    )
    cel_version = metadata.version("common-expression-language")
    print(f"  ours  rulebook (common-expression-language {cel_version}), per decision:")
    print(f"        wall clock  median {median:.4f} ms  p99 {p99:.4f} ms")
    print(f"        thread CPU  median {cpu_median:.4f} ms  p99 {cpu_p99:.4f} ms")
    print(f"  target p99 <= 0.5 ms (wall clock): {'met' if p99 <= 0.5 else 'MISSED'} ({p99:.4f} ms)")

    n = len(sample)
    sample_median, sample_p99 = summary(mine.wall[:n])
    sample_cpu_median, _ = summary(mine.cpu[:n])
    print(
        f"\npeers on the first {n} intents (ours on the same intents: median {sample_median:.4f} ms wall, "
        f"{sample_cpu_median:.4f} ms CPU; p99 {sample_p99:.4f} ms wall)"
    )
    rego_ratio = 0.0
    peers = (
        ("Rego", f"regopy {metadata.version('regopy')}, compiled bundle", rego(rules, variables, sample)),
        ("CEL ", f"cel-python {metadata.version('cel-python')}", celpy_engine(rules, variables, sample)),
    )
    for label, what, run in peers:
        theirs = timed(run, sample)
        agree = sum(a == b for a, b in zip(theirs.fired, mine.fired, strict=False))
        peer_median, peer_p99 = summary(theirs.wall)
        peer_cpu_median, _ = summary(theirs.cpu)
        ratio, ratio_p99 = peer_median / sample_median, peer_p99 / sample_p99
        print(f"  {label} ({what}): median {peer_median:.3f} ms  p99 {peer_p99:.3f} ms wall")
        print(f"        same rules fired as ours on {agree}/{n} intents")
        print(
            f"        ours is {ratio:.0f}x faster (median wall), {ratio_p99:.0f}x (p99 wall), "
            f"{peer_cpu_median / sample_cpu_median:.0f}x (median CPU)"
        )
        if agree != n:
            first = next(i for i, (a, b) in enumerate(zip(theirs.fired, mine.fired, strict=False)) if a != b)
            differs = f"{sorted(theirs.fired[first])}, ours {sorted(mine.fired[first])}"
            print(f"    first difference: {sample[first].as_input()}: {differs}")
        if label == "Rego":
            rego_ratio = ratio
    verdict = "met" if rego_ratio >= 100 else "MISSED"
    print(f"  target >= 100x faster than Rego (median wall): {verdict} ({rego_ratio:.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
