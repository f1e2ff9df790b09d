"""The rabbitmq-vhost program: a vhost `<name>-<env>` on the shared RabbitMQ, limited by size, and
a user of the same name whose only permissions are on that vhost.

Limits by size are RabbitMQ's own vhost limits, enforced by the broker: `max-connections` (a
client past it is refused at connect) and `max-queues` (a declare past it is refused). The user
has full rights inside its vhost (configure, write and read `.*`: it declares its own queues) and
none anywhere else; it has no management tags, so it cannot log in to the management API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pulumi

from intents.intent import Intent
from platformbot_rabbitmq_vhost.management import ADMIN_URL_ENV, server_label
from platformbot_rabbitmq_vhost.provider import CREDENTIALS_VERSION, NAME, RabbitVhost, RabbitVhostUser
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.labels import LABELS_INPUT, Labels
from provisioners.programs.base import GoldenPathProgram, PulumiProgram
from provisioners.settings import RunnerSettings

PATH = "rabbitmq-vhost"
VHOST_TYPE = "pulumi-python:dynamic/platformbot:RabbitVhost"
USER_TYPE = "pulumi-python:dynamic/platformbot:RabbitVhostUser"
# size -> (max-connections, max-queues); the price book prices by max_connections.
LIMITS = {"small": (10, 20), "medium": (50, 100), "large": (200, 500)}
ALL = ".*"


@dataclass(frozen=True)
class VhostSpec:
    vhost: str
    server: str
    max_connections: int
    max_queues: int
    amqp_host: str
    amqp_port: int
    # The intent's credentials_version: raising it (`/platform rotate`) issues a new password.
    credentials_version: int = 0


def _setting(settings: RunnerSettings, key: str, example: str) -> str:
    value = settings.path_setting(PATH, key)
    if value is None:
        raise ProgramUnavailable(
            f"rabbitmq-vhost is not available here: no `{key}` is configured "
            f"(config `paths: {{rabbitmq-vhost: {{{key}: {example}}}}}`)."
        )
    return value


def vhost_spec(intent: Intent, settings: RunnerSettings) -> VhostSpec:
    admin_url = _setting(settings, "admin_url", "http://admin:...@host:15672")
    amqp_url = _setting(settings, "amqp_url", "amqp://host:5672")
    try:
        server = server_label(admin_url)
        amqp = urlsplit(amqp_url)
        if amqp.scheme not in ("amqp", "amqps") or not amqp.hostname:
            raise ValueError("not an amqp:// URL")
        amqp_port = amqp.port or (5671 if amqp.scheme == "amqps" else 5672)
    except ValueError as exc:
        raise ProgramUnavailable(
            "rabbitmq-vhost is not available: its admin_url or amqp_url cannot be parsed."
        ) from exc
    vhost = f"{intent.name}-{intent.env}"
    if not NAME.match(vhost):
        raise InvalidParameters(f"`{intent.name}` is not a usable vhost name (a-z, 0-9 and -).")
    size = str(intent.params.get("size", "small"))
    if size not in LIMITS:
        raise InvalidParameters(f"size `{size}` is not one of {', '.join(LIMITS)}.")
    connections, queues = LIMITS[size]
    return VhostSpec(
        vhost=vhost,
        server=server,
        max_connections=connections,
        max_queues=queues,
        amqp_host=amqp.hostname,
        amqp_port=amqp_port,
        credentials_version=intent.credentials_version,
    )


def declare(spec: VhostSpec, labels: Labels) -> tuple[RabbitVhost, RabbitVhostUser]:
    """Both labelled; the vhost shows the labels on the broker as its description (provider.py)."""
    vhost = RabbitVhost(
        "vhost",
        {
            "name": spec.vhost,
            "server": spec.server,
            LABELS_INPUT: labels.as_input(),
            "max_connections": spec.max_connections,
            "max_queues": spec.max_queues,
        },
    )
    user = RabbitVhostUser(
        "user",
        {
            "name": spec.vhost,
            "server": spec.server,
            "vhost": spec.vhost,
            "configure": ALL,
            "write": ALL,
            "read": ALL,
            "other_vhosts": [],
            "tags": [],
            "password_issued": True,
            LABELS_INPUT: labels.as_input(),
            CREDENTIALS_VERSION: spec.credentials_version,
        },
        # After the vhost (permissions need it) and deleted before it.
        pulumi.ResourceOptions(depends_on=[vhost], additional_secret_outputs=["password"]),
    )
    return vhost, user


def connection_url(spec: VhostSpec, password: Any) -> str:
    host = f"[{spec.amqp_host}]" if ":" in spec.amqp_host else spec.amqp_host
    user, secret, vhost = (quote(str(v), safe="") for v in (spec.vhost, password, spec.vhost))
    return f"amqp://{user}:{secret}@{host}:{spec.amqp_port}/{vhost}"


def build_program(intent: Intent, settings: RunnerSettings, labels: Labels) -> PulumiProgram:
    spec = vhost_spec(intent, settings)

    def program() -> None:
        vhost, user = declare(spec, labels)
        pulumi.export("vhost", vhost.name)
        pulumi.export("username", user.name)
        pulumi.export("host", spec.amqp_host)
        pulumi.export("port", spec.amqp_port)
        pulumi.export("max_connections", vhost.max_connections)
        pulumi.export("max_queues", vhost.max_queues)
        pulumi.export("password", pulumi.Output.secret(user.password))
        pulumi.export("url", pulumi.Output.secret(user.password.apply(lambda pw: connection_url(spec, pw))))

    return program


def engine_env(settings: RunnerSettings) -> dict[str, str]:
    url = settings.path_setting(PATH, "admin_url")
    return {} if url is None else {ADMIN_URL_ENV: url}


PROGRAM = GoldenPathProgram(
    name=PATH,
    description="A RabbitMQ vhost with limits by size and a user confined to it.",
    build=build_program,
    resource_types=(VHOST_TYPE, USER_TYPE),
    # Deleting a vhost deletes its queues and the messages in them.
    stateful_types=frozenset({VHOST_TYPE}),
    engine_env=engine_env,
    secret_outputs=frozenset({"password", "url"}),
    rotates_credentials=True,
)
