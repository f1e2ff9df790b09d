"""Approval asks (in each group's channel, or in the thread for a resource's owners), the status box
of each approval round in the thread, and reminders.

Both follow the stored state: the status box of the current round is rendered again from every
snapshot; a box of an earlier round says it was voided; asks lose their buttons once nobody waits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

from bot.approvals import unfillable
from bot.config import AppConfig
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.expiry_posts import EXPIRY_KEYS
from bot.slack.render import Trusted, escape_mrkdwn, render_blocks, render_text
from bot.slack.thread_posts import ASK, STATUS, ThreadPosts
from bot.workflow import PlanChange, Request, RequestState
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP

# Mentioning more owners than this in an ask would be a broadcast: the rest are counted.
MAX_MENTIONED = 10


def is_owners_group(group: str) -> bool:
    return group.startswith((TEAM_GROUP, OWNER_GROUP))


def voided_outcome(request: Request, change: PlanChange) -> str:
    """What the status box of a voided round says, true to what happened next."""
    if change.old_hash == change.new_hash:
        why = "the resource changed (its owners, or another request applied to it)"
    else:
        why = f"the plan changed to {change.new_hash[:12]}"
    if request.state is RequestState.AWAITING_APPROVAL:
        then = "approvals are asked again"
    elif request.state is RequestState.APPROVED:
        then = "the new decision needs no approvals"
    else:
        then = f"the request is {views.STATE_LABELS[request.state]}"
    return f"Voided: {why}; {then}."


class ApprovalPosts:
    def __init__(
        self,
        posts: ThreadPosts,
        config: AppConfig,
        members: Callable[[str], Set[str]],
        approvers: Callable[[str], Mapping[str, list[str]]],
    ) -> None:
        self._posts = posts
        self._config = config
        self._members = members
        self.approvers = approvers

    def ask(self, request: Request, group: str, count: int) -> None:
        owners = is_owners_group(group)
        spec = None if owners else self._config.groups.get(group)
        view = views.request_view(request, self._posts.permalink(request))
        plan = request.plan
        blocks = render_blocks(
            "approval_request",
            request=view,
            need={
                "group": views.group_label(group),
                "count": count,
                "members": Trusted(self.mentions(group)) if owners else "",
            },
            plan_summary=plan.summary_line() if plan else "",
            short_hash=(request.plan_hash or "")[:12],
            expires_label=views.moment(request.approvals_expire_at),
            button_value=present.approval_button_value(request),
        )
        # A resource's owners are asked where the request is discussed: its thread.
        channel = spec.channel if spec else request.channel
        thread_ts = self._posts.thread_of(request) if owners or spec is None else None
        posted = self._posts.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, blocks=blocks, text=f"{request.id} needs approval"
        )
        self._posts.refs.save(request.number, ASK, channel, str(posted["ts"]), key=group)

    def remind(self, request: Request, group: str, missing: int) -> None:
        owners = is_owners_group(group)
        spec = None if owners else self._config.groups.get(group)
        mentioned = f" ({self.mentions(group)})" if owners else ""
        needs = f"{missing} from {views.group_label(group)}{mentioned}"
        text = render_text(
            "notices/reminder",
            request=views.request_view(request),
            needs=Trusted(needs) if owners else needs,
            expires=views.moment(request.approvals_expire_at),
        )
        self._posts.client.chat_postMessage(
            channel=spec.channel if spec else request.channel,
            thread_ts=None if spec else self._posts.thread_of(request),
            blocks=render_blocks("notice", icon=Trusted(":bell:"), text=Trusted(text), context=None),
            text=f"{request.id} still needs approval",
        )

    def status(self, request: Request) -> None:
        """One message per approval round in the thread, updated in place as approvals arrive and
        once more when the request is decided (it never says "waiting" after that)."""
        outcome = views.ask_outcome(request) if views.is_closed(request) else ""
        blocks = render_blocks(
            "approval_status",
            short_hash=(request.plan_hash or "")[:12],
            groups=present.approval_groups_view(request.required_approvals, self.approvers(request.id)),
            footer=Trusted(
                f"Expires {views.moment(request.approvals_expire_at)}. "
                + (
                    "The owners were asked in this thread."
                    if all(is_owners_group(g) for g in request.required_approvals)
                    else "Approvers were asked in their channels."
                )
                + ("" if outcome else self._stuck(request))
            ),
            outcome=Trusted(outcome) if outcome else "",
        )
        key = str(request.approval_round)
        ref = self._posts.refs.get(request.number, STATUS, key)
        if ref is None:
            if outcome:
                return  # never asked this round: nothing to close
            ts = self._posts.reply(request, blocks, "Approvals")
            self._posts.refs.save(request.number, STATUS, request.channel, ts, key=key)
        else:
            self._posts.update(ref.channel, ref.ts, blocks, "Approvals")

    def _stuck(self, request: Request) -> str:
        """Said when nobody can complete the round (a team whose only members count for another
        group, or who asked), rather than waiting silently until it expires."""
        # A group with no members at all is told where it is asked (mention_list's "nobody can approve").
        members = {g: self._members(g) for g in request.required_approvals}
        required = {g: n for g, n in request.required_approvals.items() if members[g]}
        empty = unfillable(required, members, request.requester)
        if not empty:
            return ""
        names = ", ".join(escape_mrkdwn(views.group_label(g)) for g in sorted(empty))
        return (
            f" :warning: Nobody can complete it: nobody is left to approve for {names} "
            "(a person counts for one group only, and not on their own request)."
        )

    def has_status(self, request: Request) -> bool:
        return bool(self._posts.refs.of(request.number, STATUS))

    def void_earlier_rounds(self, request: Request, change: PlanChange) -> None:
        """Every status box of a round before the current one stops waiting and says it was voided
        (whatever it said before, "Approved" included)."""
        for old in self._posts.refs.of(request.number, STATUS):
            if old.key == str(request.approval_round):
                continue
            blocks = render_blocks(
                "approval_status",
                short_hash=(change.old_hash or "")[:12],
                groups=[],
                footer="",
                outcome=voided_outcome(request, change),
            )
            self._posts.update(old.channel, old.ts, blocks, "Approvals voided")

    def close_asks(self, request: Request, outcome: str) -> None:
        """Replace the buttons of this request's approval asks with how it ended."""
        # An expiry's DMs and Keep asks are stored as asks too; their outcome settles them (expiry_posts).
        asks = [a for a in self._posts.refs.of(request.number, ASK) if not a.key.startswith(EXPIRY_KEYS)]
        if not asks:
            return
        view = views.request_view(request, self._posts.permalink(request))
        for ask in asks:
            blocks = render_blocks("approval_closed", request=view, outcome=Trusted(outcome))
            self._posts.update(ask.channel, ask.ts, blocks, f"{request.id}: {outcome}")

    def mentions(self, group: str) -> str:
        """The owners an ask names: `<@U1>, <@U2>` (the first few, and how many more)."""
        return mention_list(self._members(group), empty="nobody can approve: the owning team has no members")


def mention_list(users: Set[str], *, empty: str) -> str:
    members = sorted(users)
    if not members:
        return empty
    shown = ", ".join(f"<@{m}>" for m in members[:MAX_MENTIONED])
    more = len(members) - MAX_MENTIONED
    return shown + (f" and {more} more" if more > 0 else "")
