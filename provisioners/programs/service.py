"""Golden path `service`: a new git repository scaffolded from templates under the git root."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jinja2
import pulumi

from intents.intent import Intent
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.labels import LABELS_INPUT, Labels
from provisioners.programs.base import GoldenPathProgram, PulumiProgram
from provisioners.providers.git import AUTHOR_EMAIL_ENV, AUTHOR_NAME_ENV, GitRepository, RepoFile
from provisioners.settings import RunnerSettings

REPOSITORY_TYPE = "pulumi-python:dynamic/platformbot:GitRepository"
FILE_TYPE = "pulumi-python:dynamic/platformbot:RepoFile"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "service"
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$")
# A git repository has no tags of its own: its labels are a checked-in file, so they travel with
# every clone, CI can read them, and a hand edit is a commit the drift check sees.
LABELS_FILE = ".platform/labels.json"

# Repository path -> template; `{env}` in a path is the intent's environment.
COMMON_FILES = {
    "README.md": "README.md.j2",
    "CODEOWNERS": "CODEOWNERS.j2",
    ".github/workflows/ci.yml": "ci.yml.j2",
    "infra/Pulumi.yaml": "Pulumi.yaml.j2",
    "infra/Pulumi.{env}.yaml": "Pulumi.stack.yaml.j2",
}
LANGUAGE_FILES = {
    "python": {"app.py": "python/app.py.j2", "requirements.txt": "python/requirements.txt.j2"},
    "go": {"main.go": "go/main.go.j2", "go.mod": "go/go.mod.j2"},
    "node": {"index.js": "node/index.js.j2", "package.json": "node/package.json.j2"},
}


@cache
def _templates() -> jinja2.Environment:
    # Not HTML: autoescape off on purpose; StrictUndefined so a typo fails the unit tests.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _owners(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, tuple | list) else ()
    return tuple(str(i).strip() for i in items if str(i).strip())


def labels_file(labels: Labels) -> str:
    return json.dumps(labels.as_input(), indent=2) + "\n"


def service_files(
    intent: Intent, default_branch: str = "main", labels: Labels | None = None
) -> dict[str, str]:
    """Every managed file of the new repository, path -> content. Pure and deterministic.
    With `labels`, the labels file too (the program always passes them)."""
    if not SERVICE_NAME.match(intent.name):
        raise InvalidParameters(f"`{intent.name}` is not a usable repository name (a-z, 0-9 and -).")
    language = str(intent.params.get("language", "python"))
    if language not in LANGUAGE_FILES:
        raise InvalidParameters(f"language `{language}` is not one of {', '.join(LANGUAGE_FILES)}.")
    team = str(intent.params.get("team", ""))
    if not TEAM_NAME.match(team):
        raise InvalidParameters("a service needs an owning `team`.")
    context = {
        "name": intent.name,
        "env": intent.env,
        "team": team,
        "language": language,
        "owners": _owners(intent.params.get("owners", ())),
        "default_branch": default_branch,
    }
    files = {**COMMON_FILES, **LANGUAGE_FILES[language]}
    env = _templates()
    rendered = {
        path.format(env=intent.env): env.get_template(tpl).render(context) for path, tpl in files.items()
    }
    if labels is not None:
        rendered[LABELS_FILE] = labels_file(labels)
    return rendered


def repository_path(intent: Intent, settings: RunnerSettings) -> Path:
    if settings.git_root is None:
        raise ProgramUnavailable("service is not available here: no git root is configured (`git_root`).")
    return settings.git_root.resolve() / intent.name


def declare(
    path: Path, files: dict[str, str], branch: str, labels: Labels
) -> tuple[GitRepository, list[RepoFile]]:
    """Register the repository and its files (also what the set_mocks unit tests call). Every
    resource carries the labels input (the plan-stage rules check creates for it); what keeps
    them in the repository is the labels file among `files`."""
    tags = labels.as_input()
    repo = GitRepository("repository", {"path": str(path), "default_branch": branch, LABELS_INPUT: tags})
    # A plain path plus depends_on (not repo.path) keeps the plan free of unknowns.
    made = [
        RepoFile(
            rel,
            {"repository": str(path), "path": rel, "content": content, "branch": branch, LABELS_INPUT: tags},
            pulumi.ResourceOptions(depends_on=[repo]),
        )
        for rel, content in sorted(files.items())
    ]
    return repo, made


def build_program(intent: Intent, settings: RunnerSettings, labels: Labels) -> PulumiProgram:
    path = repository_path(intent, settings)
    files = service_files(intent, settings.default_branch, labels)
    branch = settings.default_branch

    def program() -> None:
        declare(path, files, branch, labels)
        pulumi.export("repository", str(path))
        pulumi.export("default_branch", branch)
        pulumi.export("files", sorted(files))

    return program


def engine_env(settings: RunnerSettings) -> dict[str, str]:
    return {AUTHOR_NAME_ENV: settings.git_author_name, AUTHOR_EMAIL_ENV: settings.git_author_email}


PROGRAM = GoldenPathProgram(
    name="service",
    description="A new service repository (README, CI, CODEOWNERS, Pulumi config, hello world).",
    build=build_program,
    resource_types=(REPOSITORY_TYPE, FILE_TYPE),
    # Deleting or replacing the repository loses commits people may have built on. A file is not
    # stateful: its delete is one more commit, and the repository keeps every earlier version.
    stateful_types=frozenset({REPOSITORY_TYPE}),
    engine_env=engine_env,
)
