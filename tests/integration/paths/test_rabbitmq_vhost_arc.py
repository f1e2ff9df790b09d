"""rabbitmq-vhost (the package in provisioners/paths/rabbitmq_vhost, installed by `make setup`)
against the real engine and a real rabbitmq-server with its management plugin, one stack for the
arc: preview -> up -> connect -> resize -> drift -> reconcile -> destroy. The tests run in file
order and share the stack and the server.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pika
import pika.exceptions
import pytest

from intents.intent import Intent
from provisioners import Runner, discover
from provisioners.errors import EngineError, StackNotFound
from provisioners.labels import Labels, labels_json
from tests.support.pulumi import SettingsFactory
from tests.support.rabbitmq import Admin, RabbitMQServer, connect, rabbitmq_or_skip

pytestmark = [pytest.mark.engine]

VHOST = "pulumi-python:dynamic/platformbot:RabbitVhost"
USER = "pulumi-python:dynamic/platformbot:RabbitVhostUser"
NAME = "orders-staging"


@pytest.fixture(scope="module")
def rabbitmq_server() -> Iterator[RabbitMQServer]:
    with rabbitmq_or_skip() as server:
        yield server


@dataclass
class Arc:
    runner: Runner
    server: RabbitMQServer
    admin: Admin
    intent: Intent
    labels: Labels
    url: str = ""
    password: str = ""


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, rabbitmq_server: RabbitMQServer) -> Arc:
    registry = discover()
    settings = make_settings(
        path_settings={
            "rabbitmq-vhost": {
                "admin_url": rabbitmq_server.admin_url(),
                "amqp_url": rabbitmq_server.amqp_url(),
            }
        }
    )
    runner = Runner(settings, programs=registry.programs())
    intent = Intent(path="rabbitmq-vhost", name="orders", env="staging", params={"size": "small"})
    labels = Labels.for_intent(
        intent, team="payments", cost_centre="CC-1042", request_id="PB-7", requester="U0REQ"
    )
    return Arc(runner, rabbitmq_server, Admin(rabbitmq_server), intent, labels)


def as_user(arc: Arc, vhost: str = NAME, password: str | None = None) -> pika.BlockingConnection:
    return connect(arc.server, NAME, arc.password if password is None else password, vhost)


def test_the_installed_package_is_discovered_with_its_files() -> None:
    loaded = discover().find("rabbitmq-vhost")
    assert loaded is not None
    assert (loaded.source, loaded.version) == ("package platformbot-rabbitmq-vhost", "0.1.0")
    assert loaded.path.secret_outputs == {"password", "url"}
    assert loaded.path.settings == ("admin_url", "amqp_url")
    assert loaded.entry.parameters["size"].allowed == ("small", "medium", "large")
    assert loaded.entry.aliases == ("rabbitmq", "vhost")


def test_preview_shows_the_vhost_with_its_limits_and_the_user_confined_to_it(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent, arc.labels)
    vhost, user = plan.changes
    assert (vhost.type, vhost.op, vhost.stateful) == (VHOST, "create", True)
    assert (user.type, user.op, user.stateful) == (USER, "create", False)
    assert vhost.after["name"] == NAME
    assert (vhost.after["max_connections"], vhost.after["max_queues"]) == (10, 20)
    assert (user.after["vhost"], user.after["configure"], user.after["other_vhosts"]) == (NAME, ".*", [])
    assert vhost.after["labels"] == user.after["labels"] == arc.labels.as_input()
    assert arc.server.password not in plan.render_text()


def test_up_creates_a_vhost_and_a_user_whose_secret_url_connects(arc: Arc) -> None:
    result = arc.runner.up(arc.intent, labels=arc.labels)
    assert set(result.secret_outputs) == {"password", "url"}
    assert not {"password", "url"} & set(result.outputs)
    assert result.outputs["vhost"] == NAME and result.outputs["username"] == NAME
    assert (result.outputs["max_connections"], result.outputs["max_queues"]) == (10, 20)
    arc.url, arc.password = str(result.secret_outputs["url"]), str(result.secret_outputs["password"])
    with pika.BlockingConnection(pika.URLParameters(arc.url)) as connection:
        channel = connection.channel()
        channel.queue_declare(queue="invoices", durable=True)
        channel.basic_publish(exchange="", routing_key="invoices", body=b"PB-1")
        method, _props, body = channel.basic_get(queue="invoices", auto_ack=False)
        assert method is not None and body == b"PB-1"
        channel.basic_nack(method.delivery_tag, requeue=True)
    # The attribution labels are on the broker, as the vhost's description.
    assert arc.admin.get(f"/vhosts/{NAME}")["description"] == labels_json(arc.labels.as_input())


def test_the_user_reaches_no_other_vhost_and_not_the_management_api(arc: Arc) -> None:
    arc.admin.put("/vhosts/billing-prod", {"description": "someone else's"})
    try:
        for vhost in ("billing-prod", "/"):
            with pytest.raises(pika.exceptions.ProbableAccessDeniedError):
                as_user(arc, vhost=vhost)
    finally:
        arc.admin.delete("/vhosts/billing-prod")
    # No management tags: the user's own password does not open the management API.
    with pytest.raises(urllib.error.HTTPError) as refused:
        Admin(arc.server, user=NAME, password=arc.password).get("/overview")
    assert refused.value.code == 401


def test_the_vhost_limits_are_enforced_by_the_broker(arc: Arc) -> None:
    with as_user(arc) as connection:
        channel = connection.channel()
        for i in range(19):  # `invoices` is the 20th
            channel.queue_declare(queue=f"q{i}")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue="one-too-many")
        assert refused.value.reply_code == 406 and "queue limit" in refused.value.reply_text
        channel = connection.channel()
        for i in range(19):
            channel.queue_delete(queue=f"q{i}")
        # Nine more make ten connections, the limit of a small vhost; the eleventh is refused.
        more = [as_user(arc) for _ in range(9)]
        try:
            with pytest.raises(pika.exceptions.AMQPConnectionError) as refused_connection:
                as_user(arc)
            assert "connection limit (10) is reached" in repr(refused_connection.value)
        finally:
            for extra in more:
                extra.close()


def test_the_password_is_not_written_to_the_state_in_plain_text(arc: Arc) -> None:
    files = [p for p in Path(arc.runner.settings.state_dir).rglob("*") if p.is_file()]
    state = "".join(p.read_text(errors="replace") for p in files)
    assert any(p.name == "rabbitmq-vhost.orders.staging.json" for p in files)
    assert arc.password and arc.password not in state
    assert arc.server.password not in state


def test_after_up_the_same_request_previews_as_no_changes(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent, arc.labels)
    assert not plan.has_changes and plan.unchanged == 2


def test_a_resize_updates_the_limits_in_place_and_keeps_the_password_and_the_messages(arc: Arc) -> None:
    medium = arc.intent.model_copy(update={"params": {"size": "medium"}})
    plan = arc.runner.preview(medium, arc.labels)
    (change,) = plan.changes
    assert (change.type, change.op, set(change.keys)) == (VHOST, "update", {"max_connections", "max_queues"})
    assert change.after["max_connections"] == 50 and change.after["max_queues"] == 100
    result = arc.runner.up(medium, labels=arc.labels)
    assert (result.outputs["max_connections"], result.outputs["max_queues"]) == (50, 100)
    assert result.secret_outputs["password"] == arc.password
    limits = arc.admin.get(f"/vhost-limits/{NAME}")[0]["value"]
    assert limits == {"max-connections": 50, "max-queues": 100}
    with as_user(arc) as connection:
        method, _props, body = connection.channel().basic_get(queue="invoices", auto_ack=False)
        assert method is not None and body == b"PB-1"
    arc.intent = medium


def test_limits_changed_by_hand_show_up_as_drift(arc: Arc) -> None:
    assert not arc.runner.drift(arc.intent).has_drift
    arc.admin.put(f"/vhost-limits/{NAME}/max-connections", {"value": 1000})
    arc.admin.delete(f"/vhost-limits/{NAME}/max-queues")
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.op, set(change.keys)) == (VHOST, "update", {"max_connections", "max_queues"})
    assert (change.before["max_connections"], change.after["max_connections"]) == (50, 1000)
    assert change.after.get("max_queues") is None


def test_permissions_granted_elsewhere_by_hand_show_up_as_drift(arc: Arc) -> None:
    arc.admin.put(f"/permissions/%2F/{NAME}", {"configure": ".*", "write": ".*", "read": ".*"})
    arc.admin.put(f"/permissions/{NAME}/{NAME}", {"configure": "", "write": ".*", "read": ".*"})
    with as_user(arc, vhost="/"):  # the hand edit really widened it
        pass
    report = arc.runner.drift(arc.intent)
    user = next(c for c in report.changes if c.type == USER)
    assert (user.op, set(user.keys)) == ("update", {"configure", "other_vhosts"})
    assert user.after["other_vhosts"] == ["/ configure=.* write=.* read=.*"]
    assert (user.before["configure"], user.after["configure"]) == (".*", "")
    assert arc.password not in report.render_text()


def test_reconcile_puts_the_limits_and_the_permissions_back(arc: Arc) -> None:
    arc.runner.up(arc.intent, labels=arc.labels)
    assert arc.admin.get(f"/vhost-limits/{NAME}")[0]["value"] == {"max-connections": 50, "max-queues": 100}
    assert [g["vhost"] for g in arc.admin.get(f"/users/{NAME}/permissions")] == [NAME]
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError):
        as_user(arc, vhost="/")
    with as_user(arc) as connection:
        connection.channel().queue_declare(queue="invoices", durable=True, passive=True)
    assert not arc.runner.drift(arc.intent).has_drift


def test_a_password_changed_by_hand_is_drift_and_reconcile_restores_the_issued_one(arc: Arc) -> None:
    arc.admin.put(f"/users/{NAME}", {"password": "changed-by-hand", "tags": ""})
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        as_user(arc)
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.keys) == (USER, ("password_issued",))
    assert "changed-by-hand" not in report.render_text()
    arc.runner.up(arc.intent, labels=arc.labels)
    with as_user(arc) as connection:
        assert connection.is_open


def test_an_administrator_tag_given_by_hand_is_drift_and_reconcile_takes_it_away(arc: Arc) -> None:
    live = arc.admin.get(f"/users/{NAME}")
    # The same password hash, so only the tag moves.
    arc.admin.put(f"/users/{NAME}", {"password_hash": live["password_hash"], "tags": "administrator"})
    assert Admin(arc.server, user=NAME, password=arc.password).get("/overview") is not None
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.keys) == (USER, ("tags",))
    assert (change.before["tags"], change.after["tags"]) == ([], ["administrator"])
    arc.runner.up(arc.intent, labels=arc.labels)
    with pytest.raises(urllib.error.HTTPError):
        Admin(arc.server, user=NAME, password=arc.password).get("/overview")
    assert not arc.runner.drift(arc.intent).has_drift


def test_labels_edited_by_hand_are_drift_and_reconcile_writes_them_back(arc: Arc) -> None:
    arc.admin.put(f"/vhosts/{NAME}", {"description": "nobody's"})
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.keys) == (VHOST, ("labels",))
    assert change.before["labels"] == arc.labels.as_input()
    assert change.after["labels"] == "nobody's"  # a description that is not labels, as it reads
    arc.runner.up(arc.intent, labels=arc.labels)
    assert arc.admin.get(f"/vhosts/{NAME}")["description"] == labels_json(arc.labels.as_input())


def test_the_connect_template_renders_a_client_that_works_with_the_secret_url(
    arc: Arc, tmp_path: Path
) -> None:
    loaded = discover().find("rabbitmq-vhost")
    assert loaded is not None and loaded.path.templates is not None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(loaded.path.templates), undefined=jinja2.StrictUndefined
    )
    outputs = arc.runner.up(arc.intent, labels=arc.labels).outputs
    values = {**outputs, "size": "medium"}
    script = tmp_path / "connect.py"
    script.write_text(env.get_template("connect.py.j2").render(values))
    readme = env.get_template("README.md.j2").render(values)
    assert "50 connections, 100 queues" in readme and arc.password not in readme + script.read_text()
    ran = subprocess.run(
        [sys.executable, str(script)],
        env={"RABBITMQ_URL": arc.url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"hello from {NAME}"


def test_a_rotation_is_planned_as_an_update_of_the_user_alone(arc: Arc) -> None:
    rotated = arc.intent.model_copy(update={"credentials_version": 1})
    plan = arc.runner.preview(rotated, arc.labels)
    (change,) = plan.changes
    assert (change.type, change.op) == (USER, "update")
    assert "credentials_version" in change.keys


def test_after_a_rotation_the_new_password_connects_and_the_old_one_is_refused(arc: Arc) -> None:
    rotated = arc.intent.model_copy(update={"credentials_version": 1})
    result = arc.runner.up(rotated, labels=arc.labels)
    old, new = arc.password, str(result.secret_outputs["password"])
    assert new and new != old
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        as_user(arc, password=old)
    with pika.BlockingConnection(pika.URLParameters(str(result.secret_outputs["url"]))) as connection:
        method, _props, body = connection.channel().basic_get(queue="invoices", auto_ack=False)
        assert method is not None and body == b"PB-1"  # the vhost and its messages stay
    arc.intent, arc.password, arc.url = rotated, new, str(result.secret_outputs["url"])
    assert not arc.runner.drift(arc.intent).has_drift


def test_a_vhost_name_taken_on_the_server_fails_the_preview_readably(arc: Arc) -> None:
    taken = Intent(path="rabbitmq-vhost", name="taken", env="dev", params={"size": "small"})
    arc.admin.put("/vhosts/taken-dev", {"description": "made by hand"})
    try:
        with pytest.raises(EngineError) as caught:
            arc.runner.preview(taken, arc.labels)
    finally:
        arc.admin.delete("/vhosts/taken-dev")
    assert caught.value.message == (
        "The preview of stack `rabbitmq-vhost.taken.dev` failed: "
        f'vhost: RabbitMQ vhost "taken-dev" already exists on 127.0.0.1:{arc.server.management_port}'
    )


def test_destroy_removes_the_vhost_its_queues_and_the_user_and_nothing_else(arc: Arc) -> None:
    arc.admin.put("/vhosts/billing-prod", {"description": "someone else's"})
    open_connection = as_user(arc)
    plan = arc.runner.preview_destroy(arc.intent)
    assert sorted((c.type, c.op, c.stateful) for c in plan.changes) == [
        (VHOST, "delete", True),
        (USER, "delete", False),
    ]
    arc.runner.destroy(arc.intent)
    assert arc.admin.get(f"/vhosts/{NAME}") is None
    assert arc.admin.get(f"/users/{NAME}") is None
    assert arc.admin.get("/queues/" + NAME) in (None, [])
    assert arc.admin.get("/vhosts/billing-prod") is not None
    arc.admin.delete("/vhosts/billing-prod")
    # The broker closed the connection that was open when its vhost went.
    with pytest.raises(pika.exceptions.AMQPError):
        open_connection.channel().queue_declare(queue="invoices", passive=True)
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        as_user(arc)
    with pytest.raises(StackNotFound):
        arc.runner.drift(arc.intent)
