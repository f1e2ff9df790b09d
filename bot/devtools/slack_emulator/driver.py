"""`SlackDriver`: plays Slack toward the bot, over HTTP or Socket Mode.

Over HTTP every request is built and signed the way Slack does it (form-encoded slash commands
and interaction payloads, JSON event callbacks, `v0=` HMAC signatures) and POSTed to the bot's
`/slack/events`, so the bot's real request verification, parsing and ack path run. Over Socket
Mode (`transport="socket"`) the same payloads go as envelopes over the bot's WebSocket link to
the emulator (bot.devtools.slack_emulator.socket_mode), in Socket Mode's shapes: slash commands
as a JSON object of strings, interactions as parsed JSON. Trigger ids and response URLs in the
payloads are minted by the emulator, so what the bot does with them lands there.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, TypedDict, Unpack, cast
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.devtools.slack_emulator import response_urls
from bot.devtools.slack_emulator.bot_response import BotResponse, Transport, with_minted
from bot.devtools.slack_emulator.errors import DriverError, SlackMethodError
from bot.devtools.slack_emulator.escaping import command_text
from bot.devtools.slack_emulator.models import Ephemeral, Message, View
from bot.devtools.slack_emulator.server import SlackEmulator
from bot.devtools.slack_emulator.socket_mode import EnvelopeType
from bot.devtools.slack_emulator.view_answers import apply_view_answer
from bot.devtools.slack_emulator.view_state import build_state_values, element_state
from bot.devtools.slack_emulator.workspace import im_channel_id


class SendOptions(TypedDict, total=False):
    """How to deliver: override the signing (stale / forged requests) or mark a retry."""

    timestamp: int
    signature: str
    retry_num: int
    retry_reason: str


# Interactions whose ack may carry an answer (response_action); the rest answer via response_url.
_ANSWERED_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class SlackDriver:
    def __init__(
        self,
        emulator: SlackEmulator,
        bot_url: str | None = None,
        *,
        transport: Transport = "http",
        signing_secret: str | None = None,
        command: str = "/platform",
        timeout: float = 10.0,
        should_escape: bool = True,
    ) -> None:
        if transport == "http" and not bot_url:
            raise DriverError("the HTTP transport needs the bot's URL (…/slack/events)")
        self.emulator = emulator
        self.bot_url = bot_url or ""
        self.transport = transport
        self.signing_secret = signing_secret or emulator.workspace.signing_secret
        self.command = command
        self.timeout = timeout
        # The slash command's manifest setting (manifests/slack-app.yaml): how mentions arrive.
        self.should_escape = should_escape
        self._verifier = SignatureVerifier(self.signing_secret)

    # -- transport ------------------------------------------------------------------------------

    def send(self, body: str, content_type: str, **options: Unpack[SendOptions]) -> BotResponse:
        """POST a body to the bot, signed as Slack signs it (or as the options forge it); HTTP only."""
        if not self.bot_url:
            raise DriverError("this driver speaks Socket Mode: there is no bot URL to POST to")
        # Signed with the real time, not the emulator's clock: the bot checks against its own.
        timestamp = str(options.get("timestamp", int(time.time())))
        signature = options.get("signature") or self._verifier.generate_signature(
            timestamp=timestamp, body=body
        )
        if signature is None:  # slack_sdk types it Optional; it only is for an empty secret
            raise DriverError("cannot sign without a signing secret")
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        }
        if "retry_num" in options:
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        request = urllib.request.Request(self.bot_url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                status, reply_headers, text = reply.status, dict(reply.headers.items()), reply.read().decode()
        except urllib.error.HTTPError as exc:
            status, reply_headers, text = exc.code, dict(exc.headers.items()), exc.read().decode()
        return BotResponse(status, reply_headers, text, body, content_type)

    def redeliver(
        self, previous: BotResponse, *, retry_num: int = 1, retry_reason: str = "http_timeout"
    ) -> BotResponse:
        """Send the identical payload again as Slack's retry would: over HTTP freshly signed with
        retry headers, over Socket Mode as a new envelope with `retry_attempt` and `retry_reason`."""
        if previous.transport == "socket" and previous.envelope_type is not None:
            again = self._over_socket(
                cast(EnvelopeType, previous.envelope_type),
                json.loads(previous.sent_body),
                {"retry_num": retry_num, "retry_reason": retry_reason},
            )
        else:
            again = self.send(
                previous.sent_body, previous.sent_content_type, retry_num=retry_num, retry_reason=retry_reason
            )
        return with_minted(again, previous)

    def _send_command(self, fields: dict[str, str], options: SendOptions) -> BotResponse:
        if self.transport == "socket":
            return self._over_socket("slash_commands", fields, options)
        return self.send(urlencode(fields), "application/x-www-form-urlencoded", **options)

    def _send_payload(self, payload: dict[str, Any], options: SendOptions) -> BotResponse:
        if self.transport == "socket":
            return self._over_socket("interactive", payload, options)
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", **options)

    def _over_socket(self, kind: EnvelopeType, payload: dict[str, Any], options: SendOptions) -> BotResponse:
        """One envelope over the app's Socket Mode link; the answer is the ack's payload."""
        if "timestamp" in options or "signature" in options:
            raise DriverError("Socket Mode carries no request signature to forge; use the HTTP transport")
        accepts = kind == "slash_commands" or (
            kind == "interactive" and payload.get("type") in _ANSWERED_INTERACTIONS
        )
        retry_num = options.get("retry_num", 0)
        ack = self.emulator.socket_mode.deliver(
            kind,
            payload,
            accepts_response_payload=accepts,
            retry_attempt=retry_num,
            retry_reason=options.get("retry_reason", "timeout") if retry_num else "",
            timeout=self.timeout,
        )
        text = json.dumps(ack.payload) if ack.payload else ""
        sent = json.dumps(payload)
        return BotResponse(200, {}, text, sent, "application/json", transport="socket", envelope_type=kind)

    # -- pieces Slack puts in every payload -----------------------------------------------------

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.emulator.workspace.user(user_id)
        if user is None:
            raise DriverError(f"no user {user_id} in the workspace")
        return {
            "id": user.id,
            "username": user.name,
            "name": user.name,
            "team_id": self.emulator.workspace.team_id,
        }

    def _envelope(self, kind: str, user: str, trigger_id: str) -> dict[str, Any]:
        ws = self.emulator.workspace
        return {
            "type": kind,
            "team": {"id": ws.team_id, "domain": ws.domain},
            "user": self._user(user),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "trigger_id": trigger_id,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _people(self) -> set[str]:
        return {user.id for user in self.emulator.workspace.users}

    def _channel_name(self, channel_id: str) -> str:
        channel = self.emulator.state.resolve_channel(channel_id)
        return "directmessage" if channel.is_im else channel.name

    # -- slash commands -------------------------------------------------------------------------

    def slash_command(
        self,
        text: str = "",
        *,
        user: str = "U0REQ",
        channel: str = "C0REQUESTS",
        command: str | None = None,
        **options: Unpack[SendOptions],
    ) -> BotResponse:
        """`text` as a Slack client sends it: a person picked from @-autocomplete is `<@U123>`
        (see bot.devtools.slack_emulator.escaping for what Slack makes of it); typed `@riley` is
        plain text."""
        ws = self.emulator.workspace
        channel_id = self.emulator.state.resolve_channel(channel).id
        trigger_id = self.emulator.mint_trigger(user)
        response_url = self.emulator.mint_response_url(channel_id, user)
        fields = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command or self.command,
            "text": command_text(text, self.emulator.state, escape=self.should_escape),
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        sent = self._send_command(fields, options)
        if sent.transport == "socket" and isinstance(sent.json, dict):
            # Slack shows the ack's payload as the command's answer (over HTTP the caller does:
            # the response body is the bot's to inspect, e.g. the sandbox shows it).
            try:
                response_urls.answer(self.emulator.state, response_url, sent.json)
            except SlackMethodError as exc:
                raise DriverError(f"the ack's answer: {exc.error} {exc.messages}") from exc
        return with_minted(sent, trigger_id=trigger_id, response_url=response_url, payload=dict(fields))

    # -- interactions ---------------------------------------------------------------------------

    def click(
        self,
        target: Message | Ephemeral | View,
        action_id: str,
        user: str = "U0REQ",
        *,
        value: Any = None,
        **options: Unpack[SendOptions],
    ) -> BotResponse:
        """Use the element `action_id` of a recorded message, ephemeral or view: press a button
        (its own value is sent) or pick `value` in a select, as `user`."""
        found = target.find_element(action_id)
        if found is None:
            raise DriverError(f"no element with action_id {action_id!r} in {type(target).__name__}")
        block, element = found
        trigger_id = self.emulator.mint_trigger(user)
        payload = self._envelope("block_actions", user, trigger_id)
        payload["actions"] = [self._action(block, element, value)]
        response_url = self._locate(payload, target, user)
        sent = self._send_payload(payload, options)
        return with_minted(sent, trigger_id=trigger_id, response_url=response_url, payload=payload)

    def _action(self, block: dict[str, Any], element: dict[str, Any], value: Any) -> dict[str, Any]:
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": block.get("block_id", ""),
            "type": element.get("type", "button"),
            "action_ts": f"{self.emulator.state.clock():.6f}",
        }
        if element.get("type") == "button":
            action["text"] = element.get("text")
            if "value" in element:
                action["value"] = element["value"]
            if "style" in element:
                action["style"] = element["style"]
            return action
        selected = element_state(element, value, given=value is not None, users=self._people())
        selected.pop("type", None)
        return action | selected

    def _locate(self, payload: dict[str, Any], target: Message | Ephemeral | View, user: str) -> str | None:
        """Fill container/channel/message/view for where the click happened; returns the response URL."""
        if isinstance(target, View):
            payload["container"] = {"type": "view", "view_id": target.id}
            payload["view"] = self.emulator.state.view_json(target)
            payload["state"] = {"values": target.state_values}
            return None
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": target.ts,
            "channel_id": target.channel,
            "is_ephemeral": isinstance(target, Ephemeral),
        }
        if target.thread_ts:
            container["thread_ts"] = target.thread_ts
        payload["container"] = container
        payload["channel"] = {"id": target.channel, "name": self._channel_name(target.channel)}
        payload["state"] = {"values": {}}
        if isinstance(target, Message):
            payload["message"] = self.emulator.state.message_json(target)
        url = self.emulator.mint_response_url(
            target.channel, user, message_ts=target.ts, ephemeral=isinstance(target, Ephemeral)
        )
        payload["response_url"] = url
        return url

    def submit_view(
        self,
        view: View,
        values: dict[str, Any] | None = None,
        user: str | None = None,
        **options: Unpack[SendOptions],
    ) -> BotResponse:
        """Submit an open modal with `values` keyed by block_id or action_id, then do what Slack does
        with the bot's answer: close the view, show `errors`, `update`, `push` or `clear`."""
        user = user or view.user
        if view.closed or view.id not in {v.id for v in self.emulator.views_for(user)}:
            raise DriverError(f"view {view.id} is not open for {user}")
        state = self.emulator.state
        with state.lock:
            view.state_values = build_state_values(view.blocks, values or {}, users=self._people())
        trigger_id = self.emulator.mint_trigger(user)
        payload = self._envelope("view_submission", user, trigger_id)
        payload["view"] = state.view_json(view)
        payload["response_urls"] = []
        sent = with_minted(self._send_payload(payload, options), trigger_id=trigger_id, payload=payload)
        if sent.status == 200:
            apply_view_answer(self.emulator.state, view, user, sent.json)
        return sent

    def close_view(
        self, view: View, user: str | None = None, **options: Unpack[SendOptions]
    ) -> BotResponse | None:
        """The user dismisses a modal: it closes, and the bot hears of it (None if it did not ask
        with notify_on_close, as then Slack sends nothing)."""
        user = user or view.user
        self.emulator.state.close_view(view)
        if not view.body.get("notify_on_close"):
            return None
        payload = self._envelope("view_closed", user, "")
        payload.pop("trigger_id")
        payload["view"] = self.emulator.state.view_json(view)
        payload["is_cleared"] = False
        return self._send_payload(payload, options)

    # -- Events API -----------------------------------------------------------------------------

    def event(self, event: dict[str, Any], **options: Unpack[SendOptions]) -> BotResponse:
        """Deliver an Events API `event_callback` wrapping `event`."""
        ws = self.emulator.workspace
        envelope = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self.emulator.state.new_id("Ev"),
            "event_time": int(self.emulator.state.clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        if self.transport == "socket":
            sent = self._over_socket("events_api", envelope, options)
        else:
            sent = self.send(json.dumps(envelope), "application/json", **options)
        return with_minted(sent, payload=envelope)

    def app_home_opened(
        self, user: str = "U0REQ", *, tab: str = "home", **options: Unpack[SendOptions]
    ) -> BotResponse:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": im_channel_id(user),
            "tab": tab,
            "event_ts": f"{self.emulator.state.clock():.6f}",
        }
        home = self.emulator.home(user)
        if home is not None:
            event["view"] = self.emulator.state.view_json(home)
        return self.event(event, **options)

    def url_verification(
        self, challenge: str = "emulator-challenge", **options: Unpack[SendOptions]
    ) -> BotResponse:
        if self.transport == "socket":
            raise DriverError("Socket Mode has no URL to verify")
        body = {
            "token": self.emulator.workspace.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return with_minted(self.send(json.dumps(body), "application/json", **options), payload=body)
