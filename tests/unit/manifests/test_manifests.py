"""Examples are tests: every file in manifests/ is loaded and checked against the code that uses it."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml

from bot.config import MANIFESTS, load_app_config
from intents import load_catalog
from rulebook import load_rulebook

REPO = MANIFESTS.parent
# Web API methods -> the bot scope they need (methods absent here need none: auth.test, views.*).
SCOPE_OF = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.getPermalink": None,
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "users.info": "users:read",
    "usergroups.users.list": "usergroups:read",
    "views.open": None,
    "views.publish": None,
    "views.update": None,
}


def _methods_called_by_the_bot() -> set[str]:
    """`client.chat_postMessage(...)` style calls in bot/ (not the dev tools; not bot/temporal, whose
    `client` is a Temporal client), as Web API method names."""
    methods: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        if {"devtools", "temporal"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name):
                owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if owner in {"client", "_client", "_secret_client"} and "_" in node.attr:
                    methods.add(_method_name(node.attr))
    return methods


def _method_name(attr: str) -> str:
    if attr == "files_upload_v2":
        return "files.getUploadURLExternal"
    family, _, verb = attr.partition("_")
    if family == "usergroups" and verb.startswith("users_"):
        return "usergroups.users." + verb.removeprefix("users_")
    return f"{family}.{re.sub(r'_([a-z])', lambda m: m.group(1).upper(), verb)}"


def test_slack_manifest_declares_the_command_and_every_scope_the_code_needs() -> None:
    manifest = yaml.safe_load((MANIFESTS / "slack-app.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    used = _methods_called_by_the_bot()

    assert "chat.postMessage" in used and "usergroups.users.list" in used  # the scan sees real calls
    unknown = used - set(SCOPE_OF)
    assert not unknown, f"add these methods to SCOPE_OF with their scope: {sorted(unknown)}"
    needed = {SCOPE_OF[m] for m in used} - {None}
    assert needed <= scopes, f"the manifest lacks scopes: {sorted(needed - scopes)}"
    assert commands == {"/platform"}
    assert "commands" in scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_slack_manifest_asks_for_no_scope_the_code_does_not_use() -> None:
    manifest = yaml.safe_load((MANIFESTS / "slack-app.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {SCOPE_OF[m] for m in _methods_called_by_the_bot()} - {None}

    # commands: the slash command; chat:write.public: posting threads in channels without an invite.
    assert scopes - needed <= {"commands", "chat:write.public"}


def test_example_config_loads_and_names_groups_the_rulebook_uses() -> None:
    config = load_app_config(MANIFESTS / "config.example.yaml")

    book = load_rulebook(config.rulebook_path, known_groups=set(config.groups))
    catalog = load_catalog(config.catalog_path)
    assert {"security", "oncall"} <= set(config.groups)
    assert book.rules and catalog.paths
    assert config.channels.requests.startswith("C")


def test_every_manifest_file_is_covered_by_a_test() -> None:
    covered = {
        "slack-app.yaml",
        "config.example.yaml",
        "catalog.yaml",
        "rulebook.yaml",
        "prices.yaml",  # tests/unit/bot/cost/test_loader.py
        "rulebook-tests",
        "deploy",
    }
    present = {p.name for p in MANIFESTS.iterdir() if not p.name.startswith(".")}
    assert present - covered <= {"screenshots"}, (
        f"new manifest files need a test: {sorted(present - covered)}"
    )
    assert Path(MANIFESTS / "rulebook-tests").is_dir()


def _deploy_docs() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((MANIFESTS / "deploy" / "kubernetes.yaml").read_text()))


def _deployment(docs: list[dict[str, Any]], role: str) -> dict[str, Any]:
    return next(
        d for d in docs if d["kind"] == "Deployment" and d["spec"]["selector"]["matchLabels"]["role"] == role
    )


def test_deploy_manifests_run_the_serve_command_with_the_settings_the_bot_reads() -> None:
    from bot.config import AppConfig, Settings

    docs = _deploy_docs()
    config_secret = next(d for d in docs if d["kind"] == "Secret")
    known = {name.upper() for name in Settings.model_fields} | {
        "PULUMI_CONFIG_PASSPHRASE",
        "PLATFORMBOT_POSTGRES_ADMIN_DSN",
    }
    for role, command in (("bot", ["platformbot", "serve"]), ("worker", ["platformbot", "worker"])):
        (container,) = _deployment(docs, role)["spec"]["template"]["spec"]["containers"]
        names = {e["name"] for e in container["env"]}
        assert container["args"][:2] == command
        assert names <= known, f"env names the bot does not read: {sorted(names - known)}"
    config = AppConfig.model_validate(yaml.safe_load(config_secret["stringData"]["config.yaml"]))
    assert config.executor == "temporal" and config.pulumi.backend_url is not None
    unit = (MANIFESTS / "deploy" / "platformbot.service").read_text()
    assert "platformbot serve" in unit and "PLATFORMBOT_CONFIG=" in unit


def test_deploy_manifests_run_three_ready_checked_replicas_that_no_disruption_takes_below_two() -> None:
    from bot.config import ServerSettings

    docs = _deploy_docs()
    bot = _deployment(docs, "bot")
    pod = bot["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    budget = next(d for d in docs if d["kind"] == "PodDisruptionBudget")
    service = next(d for d in docs if d["kind"] == "Service")

    # Nothing is bound to a hostname any more, so no StatefulSet.
    assert not [d for d in docs if d["kind"] == "StatefulSet"]
    assert bot["spec"]["replicas"] == 3
    assert _deployment(docs, "worker")["spec"]["replicas"] >= 1
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert budget["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]
    assert budget["spec"]["minAvailable"] < bot["spec"]["replicas"]
    assert service["spec"]["selector"] == pod["metadata"]["labels"]
    # Kubernetes must wait longer than the bot's own shutdown grace before it kills the pod.
    assert pod["spec"]["terminationGracePeriodSeconds"] > ServerSettings().shutdown_grace_seconds


def test_the_slash_command_escapes_mentions_so_picked_people_arrive_as_ids() -> None:
    manifest = yaml.safe_load((MANIFESTS / "slack-app.yaml").read_text())
    (command,) = manifest["features"]["slash_commands"]
    # With false, Slack sends `owners=@riley` as text and nobody can tell who was meant.
    assert command["should_escape"] is True
