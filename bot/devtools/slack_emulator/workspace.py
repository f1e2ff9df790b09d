"""The seed of an emulated Slack workspace: who and what exists before the first request.

Seeds are frozen so one `default_workspace()` can be shared by many emulators; each emulator
copies what it must change (channels grow when IMs are opened) into its own state.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    email: str
    # Slack has no "team of a person" field; the emulator shows it as the profile title so the
    # bot can be tested against what a real profile would carry.
    team: str | None = None
    is_bot: bool = False
    tz: str = "UTC"


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    # The other party of an IM (Slack's `user` field on IM channels).
    user: str | None = None
    members: tuple[str, ...] = ()
    topic: str = ""


@dataclass(frozen=True)
class UserGroup:
    id: str
    handle: str
    name: str
    users: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Workspace:
    team_id: str
    team_name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    app_id: str
    signing_secret: str
    # The deprecated verification token Slack still puts in slash-command and interaction payloads.
    verification_token: str
    users: tuple[User, ...] = ()
    channels: tuple[Channel, ...] = ()
    usergroups: tuple[UserGroup, ...] = ()
    # Further tokens that authenticate as the bot (e.g. a rotated token during a test).
    extra_tokens: tuple[str, ...] = field(default=())
    # The app-level token (connections:write) that opens Socket Mode links; it calls nothing else.
    app_token: str = "xapp-1-A0PLATFORMBOT-1-emulator-app-token"

    def user(self, user_id: str) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)

    def channel(self, channel_id: str) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def usergroup(self, group_id: str) -> UserGroup | None:
        return next((g for g in self.usergroups if g.id == group_id), None)

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.bot_token, *self.extra_tokens)


def im_channel_id(user_id: str) -> str:
    """Deterministic IM ids (`U0REQ` -> `D0REQ`) so tests can name a DM before it is opened."""
    return "D" + user_id[1:]


def default_workspace() -> Workspace:
    """The workspace every test and the sandbox start from unless they pass their own."""
    everyone = ("U0BOT", "U0REQ", "U0SEC1", "U0SEC2", "U0ONCALL", "U0DEV2")
    return Workspace(
        team_id="T0PLATFORM",
        team_name="Platform Emulated",
        domain="platform-emulated",
        bot_token="xoxb-emulator-0000-bot-token",
        bot_user_id="U0BOT",
        bot_id="B0BOT",
        app_id="A0PLATFORMBOT",
        signing_secret="emulator-signing-secret-0123456789abcdef",
        verification_token="emulator-verification-token",
        users=(
            User("U0BOT", "platformbot", "Platform Bot", "platformbot@example.com", is_bot=True),
            User("U0REQ", "riley", "Riley Requester", "riley@example.com", team="payments"),
            User("U0SEC1", "sam", "Sam Sentinel", "sam@example.com", team="security"),
            User("U0SEC2", "sky", "Sky Shield", "sky@example.com", team="security"),
            User("U0ONCALL", "olive", "Olive Oncall", "olive@example.com", team="platform"),
            User("U0DEV2", "dana", "Dana Developer", "dana@example.com", team="search"),
            User("U0FIN", "frankie", "Frankie Finance", "frankie@example.com", team="finance"),
        ),
        channels=(
            Channel("C0REQUESTS", "platform-requests", members=everyone, topic="Ask the platform team"),
            Channel("C0SECURITY", "security-approvals", members=("U0BOT", "U0SEC1", "U0SEC2")),
            Channel("C0PLATFORM", "platform", members=("U0BOT", "U0ONCALL", "U0FIN")),
        ),
        usergroups=(
            UserGroup("S0SECURITY", "security", "Security approvers", ("U0SEC1", "U0SEC2")),
            UserGroup("S0ONCALL", "oncall", "Platform on-call", ("U0ONCALL",)),
            UserGroup("S0FINANCE", "finance", "Finance approvers", ("U0FIN",)),
        ),
    )
