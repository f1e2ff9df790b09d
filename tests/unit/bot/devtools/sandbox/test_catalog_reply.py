"""`/platform catalog <path>` through the real bot: parameters read as sentences, no raw markup."""

from __future__ import annotations

from bot.devtools.sandbox.api import SandboxApi


def _parameters(api: SandboxApi, path: str) -> dict[str, str]:
    api.command("U0REQ", "C0REQUESTS", f"/platform catalog {path}")
    [reply] = api.snapshot("U0REQ")["ephemerals"]
    lines = [
        line
        for block in reply["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].split("\n")
        if line.startswith("• ")
    ]
    return {line.split("`")[1]: line for line in lines}


def test_an_empty_default_reads_none_and_a_real_default_is_shown(api: SandboxApi) -> None:
    parameters = _parameters(api, "postgres-database")

    assert parameters["extensions"].startswith("• `extensions` list, optional (default: none) — ")
    assert parameters["description"].startswith("• `description` string, optional (default: none) — ")
    assert parameters["size"].startswith("• `size` enum, optional (default: `small`) — ")
    assert parameters["name"].startswith("• `name` string, *required* — ")
    assert all("``" not in line for line in parameters.values())


def test_what_a_parameter_accepts_is_plain_text_not_italics_broken_by_underscores(api: SandboxApi) -> None:
    extensions = _parameters(api, "postgres-database")["extensions"]

    assert extensions.endswith(
        "Accepts a comma-separated list of: pgcrypto, citext, pg_trgm, uuid-ossp, hstore, btree_gist."
    )
    assert " _" not in extensions and "_ " not in extensions
