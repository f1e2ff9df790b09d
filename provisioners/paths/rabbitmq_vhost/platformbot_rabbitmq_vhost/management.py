"""A small client of RabbitMQ's management HTTP API (the `rabbitmq_management` plugin), on the
standard library: the provider processes need nothing more than JSON over HTTP with basic auth.

The admin URL (`http://user:password@host:port`) comes from the provider's environment, never
from resource inputs: inputs are pickled into the state, and a rotated admin password would
break every later delete. The inputs name the server by `host:port` instead.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from provisioners.providers.failure import ProviderFailure

ADMIN_URL_ENV = "PLATFORMBOT_RABBITMQ_ADMIN_URL"
TIMEOUT_SECONDS = 10


def server_label(url: str) -> str:
    """`host:port` of the management API's URL: names the server in plans and state."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// URL")
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 15672)}"


def segment(name: str) -> str:
    """A vhost or user name as one path segment (a vhost may be called `/`)."""
    return quote(name, safe="")


class NotFound(Exception):
    """The API answered 404: what was asked for does not exist."""


class ManagementAPI:
    def __init__(self, server: str, action: str) -> None:
        url = os.environ.get(ADMIN_URL_ENV)
        if not url:
            raise ProviderFailure(f"no RabbitMQ admin URL is configured for {server}")
        if server_label(url) != server:
            raise ProviderFailure(
                f"the configured RabbitMQ admin URL points at {server_label(url)}, not {server}"
            )
        parts = urlsplit(url)
        self._base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path.rstrip('/')}/api"
        credentials = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        self._auth = "Basic " + base64.b64encode(credentials.encode()).decode()
        self.server = server
        self.action = action

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def get_or_none(self, path: str) -> Any:
        try:
            return self._call("GET", path)
        except NotFound:
            return None

    def put(self, path: str, body: dict[str, Any]) -> None:
        self._call("PUT", path, body)

    def delete(self, path: str) -> None:
        """Delete; already gone is fine (a destroy retried after a partial one)."""
        try:
            self._call("DELETE", path)
        except NotFound:
            return

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self._base + path, data=data, method=method)
        request.add_header("Authorization", self._auth)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFound(path) from exc
            raise ProviderFailure(
                f"RabbitMQ on {self.server} refused to {self.action}: {exc.code} {_reason(exc)}"
            ) from exc
        except OSError as exc:
            raise ProviderFailure(f"cannot reach RabbitMQ on {self.server} to {self.action}") from exc
        return json.loads(raw) if raw.strip() else None


def _reason(exc: urllib.error.HTTPError) -> str:
    """The API's own words ({"error": ..., "reason": ...}); the admin URL is never in them."""
    try:
        found = json.loads(exc.read() or b"{}")
    except ValueError:
        return exc.reason if isinstance(exc.reason, str) else ""
    return str(found.get("reason") or found.get("error") or exc.reason)
