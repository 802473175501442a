"""How call tasks read for staff: the owner to call, why (a delivery, a service), due
by or overdue by, the tries so far; why a press changed nothing; the team's figures.
Pure functions of a translator, the policy and plain rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.club.calls.listing import Item
from bot.club.calls.marks import Refusal
from bot.club.calls.rules import SERVICE, TaskStatus, delivery_day, is_behind
from bot.club.calls.team import Figures, Team
from bot.club.common.clock import whole_hours
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from db.models import CallTask

FEATURE = "cl"  # cl:take|done|no|nn|page|team, and the note dialog's cl:pick/skip/cancel

REFUSALS = {
    Refusal.UNKNOWN: N_("That call does not exist (any more)."),
    Refusal.TOO_LONG: N_("Please keep the note under 1,000 characters."),
}
NOT_YOURS = N_("That call is {who}'s, not yours.")
NOBODYS = N_("Nobody has that call yet; take it first.")
TAKEN = N_("{who} took that call a moment ago.")
CLOSED = {
    TaskStatus.DONE: N_("That call was marked done already, by {who} on {when}."),
    TaskStatus.NOT_NEEDED: N_("That call was marked not needed already, by {who} on {when}."),
    TaskStatus.UNREACHED: N_(
        "That call was closed already, by {who} on {when}: every try failed; reach the "
        "owner another way (SMS, WeChat)."
    ),
}
CLOSED_BY_YOU = {
    TaskStatus.DONE: N_("You marked that call done already, on {when}."),
    TaskStatus.NOT_NEEDED: N_("You marked that call not needed already, on {when}."),
    TaskStatus.UNREACHED: N_(
        "You closed that call already, on {when}: every try failed; reach the owner "
        "another way (SMS, WeChat)."
    ),
}
TRIED = N_("That try was recorded already ({tries} so far).")


def refusal_text(
    t: Translator, code: str, task: CallTask | None, who: str, *, mine: bool = False
) -> str:
    """Why a press changed nothing, naming the colleague (`who`) where one is involved
    (`mine`: the presser themself, said as "you" in the sentence's own words)."""
    if task is not None:
        if code == Refusal.CLOSED and task.status in CLOSED:
            when = t.datetime(task.done_at) if task.done_at else "—"
            if mine:
                return t.gettext(CLOSED_BY_YOU[TaskStatus(task.status)], when=when)
            return t.gettext(CLOSED[TaskStatus(task.status)], who=who, when=when)
        if code == Refusal.NOT_YOURS:
            if task.assignee_user_id is None:
                return t.gettext(NOBODYS)
            return t.gettext(NOT_YOURS, who=who)
        if code == Refusal.TAKEN:
            return t.gettext(TAKEN, who=who)
        if code == Refusal.TRIED:
            return t.gettext(TRIED, tries=t.number(task.tries))
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.UNKNOWN]))


def why(t: Translator, policy: ClubPolicy, item: Item) -> str:
    """What makes the call: the delivery and which day after, or the service visit."""
    task, visit = item.task, item.visit
    if task.kind == SERVICE:
        if visit is None:
            return t.gettext("Service visit on {date}", date=t.date(task.opens_at))
        category = policy.category(visit.category)
        return t.gettext(
            "Service on {date}: {category}, order {order}",
            date=t.date(visit.visit_date),
            category=category.name(t.locale) if category else visit.category,
            order=visit.order_no,
        )
    days = delivery_day(task.kind) or 0
    delivered = task.opens_at.astimezone(t.tz).date() - timedelta(days=days)
    return t.ngettext(
        "Delivery on {date} — day-{n} call",
        "Delivery on {date} — day-{n} call",
        days,
        date=t.date(delivered),
        n=t.number(days),
    )


def due_text(t: Translator, task: CallTask, now: datetime) -> str:
    if is_behind(task.status, task.due_at, now):
        late = whole_hours(now - task.due_at)
        return t.ngettext("⚠ Overdue by {n} hour", "⚠ Overdue by {n} hours", late, n=t.number(late))
    return t.gettext("Call by {when}", when=t.datetime(task.due_at))


def tries_text(t: Translator, task: CallTask) -> str | None:
    if not task.tries:
        return None
    last = (task.attempts or [{}])[-1].get("at")
    when = t.datetime(datetime.fromisoformat(last)) if last else "—"
    return t.ngettext(
        "{n} unanswered try so far, the last on {when}",
        "{n} unanswered tries so far, the last on {when}",
        task.tries,
        n=t.number(task.tries),
        when=when,
    )


def car_text(item: Item) -> str:
    return f"{item.car.plate} · {item.car.model}" if item.car is not None else "—"


def item_text(t: Translator, policy: ClubPolicy, item: Item, now: datetime) -> str:
    """One call of the caller's: who, phone, car, why, when due, tries."""
    lines = [
        f"#{item.task.id} {item.member.name} · {item.member.phone}",
        car_text(item),
        why(t, policy, item),
        due_text(t, item.task, now),
    ]
    tried = tries_text(t, item.task)
    return "\n".join([*lines, tried] if tried else lines)


def unassigned_line(t: Translator, policy: ClubPolicy, item: Item, now: datetime) -> str:
    """A call nobody has: short, with the DMS's advisor name if the visit had one."""
    parts = [f"#{item.task.id} {item.member.name}", car_text(item), why(t, policy, item)]
    if item.task.assignee_name:
        parts.append(t.gettext("DMS advisor: {name}", name=item.task.assignee_name))
    parts.append(due_text(t, item.task, now))
    return " · ".join(parts)


def figures_text(t: Translator, figures: Figures) -> str:
    return t.gettext(
        "{behind} behind · {open} open now · {unreached} unreached · {done} done",
        behind=t.number(figures.behind),
        open=t.number(figures.open_now),
        unreached=t.number(figures.unreached),
        done=t.number(figures.done),
    )


def team_text(t: Translator, team: Team, names: dict[int, str], since: datetime) -> str:
    """Who is behind first; then the calls nobody has and the DMS names they wait for."""
    lines = [t.gettext("The team's calls (unreached and done: since {date}):", date=t.date(since))]
    if not team.people and not any(vars(team.unassigned).values()):
        lines.append(t.gettext("No calls yet."))
    for user_id, figures in team.people:
        mark = "⚠" if figures.behind else "·"
        name = names.get(user_id) or t.gettext("ID {id}", id=user_id)
        line = t.gettext("{name}: {figures}", name=name, figures=figures_text(t, figures))
        lines.append(f"{mark} {line}")
    if any(vars(team.unassigned).values()):
        lines.append(t.gettext("Unassigned: {figures}", figures=figures_text(t, team.unassigned)))
    if team.waiting_for:
        waiting = t.gettext(", ").join(
            t.gettext("{name} ({n})", name=name, n=t.number(n))
            for name, n in team.waiting_for.most_common()
        )
        lines.append(
            t.gettext(
                "Open calls under DMS names nobody has set yet: {names}. Ask them to send "
                "/dmsname with that name.",
                names=waiting,
            )
        )
    return "\n".join(lines)
