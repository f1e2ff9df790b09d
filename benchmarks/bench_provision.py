"""Provisioning benchmark: `Runner.preview` of postgres-database against the raw `pulumi preview` CLI.

The peer is the raw `pulumi preview` CLI run as a subprocess, serving the same inline program over
the Pulumi Python SDK's own language server (`pulumi.automation._server.LanguageServer`), without
the Automation API layer. That is how the Automation API itself runs an inline program, minus its
wrapper: the SDK's gRPC language server is started on 127.0.0.1, and `pulumi preview` is run with
`--client=127.0.0.1:<port> --exec-kind auto.inline --non-interactive --stack <stack>` in the
runner's project directory (the Pulumi.yaml and stack config file the workspace wrote), with the
runner's engine environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME, PATH, ...).
The peer leaves out what the Automation API adds: the `--event-log` file and its watcher thread,
the engine-event parsing into a Plan, PULUMI_AUTOMATION_API/PULUMI_DEBUG_COMMANDS, stack
selection and the runner's locks. A raw CLI with a project on disk would need the Python language
host `pulumi-language-python`, which this machine cannot build; this peer does not.

Both preview the same desired change (size small -> medium: one update) of the same stack in the
same state: the stack is applied once at size small first. Each side's plan is checked to be the
same (resource, type, operation and counts) before any time counts. A warm-up of each, then at
least 5 rounds, each running both, the order alternating round by round; medians are compared.

    .venv/bin/python benchmarks/bench_provision.py [--rounds 7] [--admin-dsn DSN]

Without --admin-dsn (or PLATFORMBOT_POSTGRES_ADMIN_DSN) a throwaway PostgreSQL cluster is started.
The Pulumi CLI must be on PATH: `PATH=$(bash scripts/install-pulumi.sh):$PATH`.

Target: ratio (Runner.preview / raw CLI) <= 1.10. The figures are printed as measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path

import grpc
from pulumi.automation._server import LanguageServer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import language_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intents.intent import Intent  # noqa: E402
from provisioners import PROGRAMS, Runner, RunnerSettings  # noqa: E402
from provisioners.engine import engine_env  # noqa: E402
from provisioners.labels import Labels  # noqa: E402

TARGET = 1.10
PROGRAM = "postgres-database"
PEER = (
    "raw `pulumi preview` CLI subprocess serving the same inline program over the SDK's language "
    "server, without the Automation API layer"
)
# A step line of the CLI's plain preview output: ` ~  <type> <name> update [diff: ...]`.
OPS = "create|update|replace|delete"
STEP_LINE = re.compile(rf"^ [+~-]{{1,3}}\s+(?P<type>\S+)\s+(?P<name>\S+)\s+(?P<op>{OPS})\b")
# A count line of its `Resources:` section: `    ~ 1 to update`.
COUNT_LINE = re.compile(rf"^\s+[+~-]{{1,3}}\s+(?P<n>\d+) to (?P<op>{OPS})\s*$")

Step = tuple[str, str, str]  # (type, name, op)


@contextlib.contextmanager
def admin_dsn(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    from tests.support.postgres import running_postgres

    with running_postgres() as server:
        yield server.dsn()


class RawPreview:
    """`pulumi preview` run directly, with the inline program served by the SDK's language server."""

    def __init__(self, runner: Runner, intent: Intent, bin_dir: Path) -> None:
        settings = runner.settings
        self.intent = intent
        self.settings = settings
        self.program = PROGRAMS[PROGRAM]
        self.stack = runner.stack_name(intent)
        # The directory the runner's LocalWorkspace runs the CLI in: its Pulumi.yaml and stack config.
        self.cwd = settings.work_dir / "projects" / PROGRAM
        self.pulumi = str(bin_dir / "pulumi")
        extra = engine_env(settings, bin_dir, self.program.engine_env(settings))
        self.env = {**os.environ, **extra, "PULUMI_HOME": str(settings.work_dir / "pulumi-home")}
        self.last_stdout = ""

    def run(self) -> subprocess.CompletedProcess[str]:
        fn: Callable[[], None] = self.program.build(
            self.intent, self.settings, Labels.for_intent(self.intent)
        )
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(fn), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            command = [
                self.pulumi,
                "--non-interactive",
                "preview",
                f"--client=127.0.0.1:{port}",
                "--exec-kind",
                "auto.inline",
                "--stack",
                self.stack,
                # Runner.preview refreshes first (RunnerSettings.refresh): the peer does the same work.
                "--refresh",
            ]
            return subprocess.run(command, cwd=self.cwd, env=self.env, capture_output=True, text=True)
        finally:
            server.stop(0)


def raw_plan(stdout: str) -> tuple[list[Step], dict[str, int]]:
    """The steps and the `Resources:` counts of the CLI's plain preview output."""
    steps: list[Step] = []
    counts: dict[str, int] = {}
    in_resources = False
    for line in stdout.splitlines():
        if line.startswith("Resources:"):
            in_resources = True
            continue
        if in_resources:
            found = COUNT_LINE.match(line)
            if found:
                counts[found.group("op")] = int(found.group("n"))
            continue
        step = STEP_LINE.match(line)
        if step:
            steps.append((step.group("type"), step.group("name"), step.group("op")))
    return sorted(steps), counts


def time_runner(runner: Runner, intent: Intent) -> tuple[float, list[Step], dict[str, int]]:
    started = time.perf_counter()
    plan = runner.preview(intent)
    elapsed = time.perf_counter() - started
    steps: list[Step] = sorted((c.type, c.name, str(c.op)) for c in plan.changes)
    return elapsed, steps, dict(plan.counts)


def time_raw(raw: RawPreview) -> tuple[float, list[Step], dict[str, int]]:
    started = time.perf_counter()
    done = raw.run()
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        failed = f"raw `pulumi preview` failed (exit {done.returncode})"
        raise SystemExit(f"{failed}:\n{done.stdout}\n{done.stderr}")
    raw.last_stdout = done.stdout
    steps, counts = raw_plan(done.stdout)
    return elapsed, steps, counts


def describe(steps: list[Step], counts: dict[str, int]) -> str:
    listed = ", ".join(f"{op} {name} ({type_})" for type_, name, op in steps) or "no changes"
    counted = ", ".join(f"{n} to {op}" for op, n in sorted(counts.items())) or "none"
    return f"{listed}; counts: {counted}"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds of each (at least 5)")
    parser.add_argument("--admin-dsn", default=os.environ.get("PLATFORMBOT_POSTGRES_ADMIN_DSN"))
    args = parser.parse_args()
    rounds = max(5, args.rounds)

    with tempfile.TemporaryDirectory(prefix="bench-provision-") as tmp, admin_dsn(args.admin_dsn) as dsn:
        root = Path(tmp)
        settings = RunnerSettings(
            state_dir=root / "state", work_dir=root / "work", passphrase="bench", postgres_admin_dsn=dsn
        )
        bin_dir = settings.resolved_pulumi_bin_dir()
        if bin_dir is None:
            print("no Pulumi CLI found: run `make setup` or put `bash scripts/install-pulumi.sh` on PATH")
            return 2
        runner = Runner(settings)
        base = Intent(
            path=PROGRAM, name="bench", env="dev", params={"size": "small", "extensions": ("citext",)}
        )
        change = base.model_copy(update={"params": {**base.params, "size": "medium"}})
        runner.up(base)  # both previews then diff the same desired change against the same state
        try:
            raw = RawPreview(runner, change, bin_dir)
            # Warm-ups, which also check that both see the same plan before any time counts.
            _, our_steps, our_counts = time_runner(runner, change)
            _, raw_steps, raw_counts = time_raw(raw)
            if (our_steps, our_counts) != (raw_steps, raw_counts) or not our_steps:
                print(f"plans differ: Runner.preview: {describe(our_steps, our_counts)}")
                print(f"              raw CLI:        {describe(raw_steps, raw_counts)}")
                print("raw CLI output:\n" + raw.last_stdout)
                return 4
            plan_text = describe(our_steps, our_counts)

            ours: list[float] = []
            peer: list[float] = []
            for i in range(rounds):
                order = ("ours", "peer") if i % 2 == 0 else ("peer", "ours")
                for side in order:
                    if side == "ours":
                        elapsed, steps, counts = time_runner(runner, change)
                        ours.append(elapsed)
                    else:
                        elapsed, steps, counts = time_raw(raw)
                        peer.append(elapsed)
                    if (steps, counts) != (our_steps, our_counts):
                        print(f"round {i + 1}: {side} planned {describe(steps, counts)}, not {plan_text}")
                        return 4
        finally:
            runner.destroy(base)

    ours_median, peer_median = statistics.median(ours), statistics.median(peer)
    ratio = ours_median / peer_median
    print(f"program: {PROGRAM}, change size small -> medium on an applied stack")
    print(f"plan (same on both sides, checked every round): {plan_text}")
    print(f"peer: {PEER}")
    print(f"rounds: {rounds} of each, alternated (order flips each round), after one warm-up of each")
    print(f"Runner.preview        median {ours_median:.3f} s   [{', '.join(f'{t:.3f}' for t in ours)}]")
    print(f"raw `pulumi preview`  median {peer_median:.3f} s   [{', '.join(f'{t:.3f}' for t in peer)}]")
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"ratio Runner/raw: {ratio:.3f}  (target <= {TARGET:.2f}: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
