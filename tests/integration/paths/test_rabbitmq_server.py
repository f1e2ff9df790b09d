"""The rabbitmq-server launcher the rabbitmq-vhost tests (and a sandbox) rely on: a kept node
comes back on its ports with what it held, and stop() leaves nothing running, not even the
node's own Erlang port mapper (which the node starts as a daemon)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from bot.devtools.sandbox.rabbitmq import LocalRabbitMQ, RabbitMQUnavailable, alive
from tests.support.rabbitmq import Admin


def local_node(root: Path, *, persist: bool) -> LocalRabbitMQ:
    try:
        return LocalRabbitMQ(root, persist=persist)
    except RabbitMQUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_kept_node_restarts_on_its_ports_with_its_vhosts_and_users(tmp_path: Path) -> None:
    node = local_node(tmp_path, persist=True)
    first = node.start()
    try:
        Admin(first).put("/vhosts/kept-dev", {"description": "kept"})
        Admin(first).put("/users/kept-dev", {"password": "pw", "tags": ""})
    finally:
        node.stop()
    again = local_node(tmp_path, persist=True)
    second = again.start()
    try:
        assert second == first  # the same ports and administrator: the Pulumi state names them
        assert Admin(second).get("/vhosts/kept-dev")["description"] == "kept"
        assert Admin(second).get("/users/kept-dev") is not None
    finally:
        again.stop()


def test_stop_ends_the_node_and_its_port_mapper(tmp_path: Path) -> None:
    node = local_node(tmp_path, persist=False)
    server = node.start()
    ports = json.loads((tmp_path / "ports.json").read_text())
    pid = int((tmp_path / "node.pid").read_text())
    assert alive(pid) and accepts(server.amqp_port) and accepts(ports["epmd"])
    node.stop()
    assert not alive(pid)
    assert not accepts(server.amqp_port)
    assert not accepts(server.management_port)
    assert not accepts(ports["epmd"])
