"""Operations on different stacks run side by side in one process (the bot's drift sweep does)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from intents.intent import Intent
from provisioners import Runner
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine]


def test_previews_of_different_stacks_in_parallel_each_get_their_own_plan(
    make_settings: SettingsFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runner = Runner(make_settings(git_root=tmp_path_factory.mktemp("git")))
    languages = {"svc-go": "go", "svc-py": "python", "svc-node": "node"}
    intents = [
        Intent(
            path="service", name=name, env="dev", params={"team": "t", "language": lang, "owners": ("U1",)}
        )
        for name, lang in languages.items()
    ]
    with ThreadPoolExecutor(len(intents)) as pool:
        plans = list(pool.map(runner.preview, intents))
    hello = {"go": "main.go", "python": "app.py", "node": "index.js"}
    for intent, plan in zip(intents, plans, strict=True):
        assert plan.stack == f"service.{intent.name}.dev"
        mine = hello[str(intent.params["language"])]
        names = {c.name for c in plan.changes}
        assert names & set(hello.values()) == {mine}  # no program saw another's intent
        (repository,) = [c for c in plan.changes if c.name == "repository"]
        assert str(repository.after["path"]).endswith(f"/{intent.name}")
