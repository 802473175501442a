"""How owners' evaluations and questions read for staff: a question with its due time
or how late it is, its answer and who gave it, an event's ratings. Pure functions of a
translator and plain rows (the /questions list, an event's evaluations, /followups)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from babel import numbers

from bot.club.events.questions import Item, Ratings
from bot.club.events.rules import answer_due
from bot.club.policy.events import EventPolicy
from bot.i18n import Translator
from handlers.events.texts import title

HOUR = timedelta(hours=1)
SHOWN = 200  # characters of a text shown in a list: a page must fit one message (4,096)


def clip(text: str, most: int = SHOWN) -> str:
    """`text`, cut to `most` characters with "…" (the whole is shown where it is answered)."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def due_text(t: Translator, policy: EventPolicy, asked_at: datetime, now: datetime) -> str:
    """ "due by <when>" against `[events].answer_hours`, or "overdue by N hours"."""
    due = answer_due(policy, asked_at)
    if now < due:
        return t.gettext("due by {when}", when=t.datetime(due))
    late = max(1, math.floor((now - due) / HOUR))  # whole hours; "1" in the first
    return t.ngettext("overdue by {n} hour", "overdue by {n} hours", late, n=t.number(late))


def ratings_text(t: Translator, ratings: Ratings) -> str:
    """How many rated the event, the average, and how many gave each rating."""
    if not ratings.count:
        return t.gettext("No evaluations yet.")
    assert ratings.average is not None
    average = numbers.format_decimal(round(ratings.average, 1), format="0.0", locale=t.babel_locale)
    lines = [
        t.ngettext(
            "{n} evaluation, average rating {average} / 5",
            "{n} evaluations, average rating {average} / 5",
            ratings.count,
            n=t.number(ratings.count),
            average=average,
        )
    ]
    for n in range(5, 0, -1):
        lines.append(f"{stars(n)}  {t.number(ratings.stars.get(n, 0))}")
    return "\n".join(lines)


def item_lines(
    t: Translator,
    policy: EventPolicy,
    item: Item,
    now: datetime,
    by: str | None,
    *,
    in_event: bool = False,
) -> list[str]:
    """One evaluation for staff: whose (and, in the list of all, which event's), its
    rating and what was useful (in an event's view), the question with its due time or
    its answer and who gave it."""
    fb = item.feedback
    where = stars(fb.rating) if in_event else title(t, item.event)
    lines = [f"#{fb.id} · {item.member.name} · {where}"]
    if in_event and fb.useful:
        lines.append(t.gettext("Useful: {text}", text=clip(fb.useful)))
    if fb.question is None or fb.asked_at is None:
        return lines
    if fb.answered_at is None:
        due = due_text(t, policy, fb.asked_at, now)
        lines.append(t.gettext("Asked {when} · {due}", when=t.datetime(fb.asked_at), due=due))
    else:
        lines.append(
            t.gettext(
                "Asked {when} · answered {answered} by {who}",
                when=t.datetime(fb.asked_at),
                answered=t.datetime(fb.answered_at),
                who=by or t.gettext("staff member {id}", id=fb.answered_by or "—"),
            )
        )
    lines.append(t.gettext("Question: “{text}”", text=clip(fb.question)))
    if fb.answer:
        lines.append(t.gettext("Answer: {text}", text=clip(fb.answer)))
    return lines


def overdue_lines(
    t: Translator, policy: EventPolicy, items: list[Item], total: int, now: datetime
) -> list[str]:
    """The questions past due, for /followups: a heading, one line each, and where to
    answer them."""
    if not total:
        return []
    lines = [
        t.ngettext(
            "Owners' questions past due ({n}), answer them with /questions:",
            "Owners' questions past due ({n}), answer them with /questions:",
            total,
            n=t.number(total),
        )
    ]
    for item in items:
        fb = item.feedback
        assert fb.asked_at is not None
        lines.append(
            t.gettext(
                "• {name} — {event}, {due}",
                name=item.member.name,
                event=title(t, item.event),
                due=due_text(t, policy, fb.asked_at, now),
            )
        )
    return lines
