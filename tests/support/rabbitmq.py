"""The throwaway rabbitmq-server the rabbitmq-vhost engine tests provision into (the sandbox
launcher's, not persisted), and the administrator's hands on it: the management API for what a
person would change by hand, and AMQP connections as a client would make them."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pika
import pytest

from bot.devtools.sandbox.rabbitmq import RabbitMQServer, RabbitMQUnavailable, running_rabbitmq

__all__ = ["Admin", "RabbitMQServer", "connect", "rabbitmq_or_skip"]


@contextmanager
def rabbitmq_or_skip() -> Iterator[RabbitMQServer]:
    """A real node; without rabbitmq-server a skip with the install hint, in CI a failure."""
    try:
        with running_rabbitmq() as server:
            yield server
    except RabbitMQUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


class Admin:
    """The management API as the administrator, for hand edits and for looking inside."""

    def __init__(self, server: RabbitMQServer, user: str | None = None, password: str | None = None) -> None:
        """As the administrator, or as `user` (to show what another user may not do)."""
        self._base = f"http://{server.host}:{server.management_port}/api"
        credentials = f"{user or server.user}:{server.password if password is None else password}"
        token = base64.b64encode(credentials.encode()).decode()
        self._auth = f"Basic {token}"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self._base + path, data=data, method=method)
        request.add_header("Authorization", self._auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return json.loads(raw) if raw.strip() else None

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def put(self, path: str, body: dict[str, Any]) -> None:
        self.call("PUT", path, body)

    def delete(self, path: str) -> None:
        self.call("DELETE", path)


def connect(server: RabbitMQServer, user: str, password: str, vhost: str) -> pika.BlockingConnection:
    user, password, vhost = (quote(v, safe="") for v in (user, password, vhost))
    url = f"amqp://{user}:{password}@{server.host}:{server.amqp_port}/{vhost}"
    return pika.BlockingConnection(pika.URLParameters(url))
