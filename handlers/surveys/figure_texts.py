"""How /surveys reads on a phone: the month's summary, the advisors, the last months.
Reasons and ticket kinds in the export's words (the file and the chat say the same
thing); numbers, shares and month names through the Translator and Babel."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel import dates, numbers

from bot.club.common.xlsx import label
from bot.club.surveys.figures import AdvisorFigures, MonthFigures, MonthRow, Scores, TicketCounts
from bot.club.surveys.labels import KINDS, NO_ADVISOR, REASONS
from bot.i18n import N_, Translator

USAGE = N_("Usage: /surveys [YYYY-MM], e.g. /surveys 2026-11")
AHEAD = N_("{month} has not begun yet, so it has no figures.")
MORE = N_("… and {n} more (see the export).")
LINE = N_("{what}: {figures}")  # an advisor's or a month's figures
SHOWN_ADVISORS = 30  # lines in chat; the export has them all


def month_name(t: Translator, first: date, short: bool = False) -> str:
    """ "November 2026" / "2026年11月" ("Nov 2026" when `short`)."""
    return dates.format_skeleton("yMMM" if short else "yMMMM", first, locale=t.babel_locale)


def share(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.percent(value)


def average(t: Translator, value: float | None) -> str:
    """Average satisfaction with one decimal, halves up as people round ("4.25" → "4.3")."""
    if value is None:
        return "—"
    tenths = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return numbers.format_decimal(tenths, format="#,##0.0", locale=t.babel_locale)


def nps(t: Translator, value: int | None) -> str:
    """NPS with its sign ("+35", "-12", "0")."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + t.number(value)


def hours(t: Translator, value: float | None) -> str:
    if value is None:
        return "—"
    return t.gettext("{hours} h", hours=average(t, value))


def advisor_name(t: Translator, name: str | None) -> str:
    return name or t.gettext(NO_ADVISOR)


def _answers(t: Translator, s: Scores) -> list[str]:
    return [
        t.gettext(
            "Sent: {sent} · answered: {answered} ({rate})",
            sent=t.number(s.sent),
            answered=t.number(s.answered),
            rate=share(t, s.response_rate),
        ),
        t.gettext("Average satisfaction: {average} of 5", average=average(t, s.average)),
        t.gettext(
            "NPS: {nps} (promoters {promoters} · passives {passives} · detractors {detractors})",
            nps=nps(t, s.nps),
            promoters=t.number(s.promoters),
            passives=t.number(s.passives),
            detractors=t.number(s.detractors),
        ),
    ]


def _tickets(t: Translator, c: TicketCounts) -> list[str]:
    if not c.total:
        return [t.gettext("No tickets were opened.")]
    kinds = " · ".join(
        f"{label(t, KINDS, kind)} {t.number(c.opened[kind])}" for kind in KINDS if kind in c.opened
    )
    return [
        t.gettext("Tickets opened: {n} ({kinds})", n=t.number(c.total), kinds=kinds),
        t.gettext(
            "Resolved {resolved} · still open {open} · overdue now {overdue} · reopened {reopened}",
            resolved=t.number(c.resolved),
            open=t.number(c.still_open),
            overdue=t.number(c.overdue),
            reopened=t.number(c.reopened),
        ),
        t.gettext("Median time to resolve: {hours}", hours=hours(t, c.median_hours)),
    ]


def summary_text(t: Translator, f: MonthFigures) -> str:
    lines = [t.gettext("Surveys · {month}", month=month_name(t, f.month)), ""]
    if not f.scores.sent:
        lines.append(t.gettext("No surveys were sent in {month}.", month=month_name(t, f.month)))
    else:
        lines += _answers(t, f.scores)
        if f.scores.answered:
            spread = " · ".join(f"{s}★ {t.number(n)}" for s, n in sorted(f.spread.items())[::-1])
            lines.append(t.gettext("Scores: {spread}", spread=spread))
        lines.append(t.gettext("Unhappy answers: {n}", n=t.number(f.unhappy)))
        if f.reasons:
            named = sorted(f.reasons.items(), key=lambda item: -item[1])
            what = " · ".join(f"{label(t, REASONS, code)} {t.number(n)}" for code, n in named)
            lines.append(t.gettext("What went wrong: {reasons}", reasons=what))
    return "\n".join([*lines, "", *_tickets(t, f.tickets)])


def _scores_line(t: Translator, s: Scores, tickets: int) -> str:
    return t.gettext(
        "sent {sent} · answered {answered} ({rate}) · average {average} · NPS {nps} · "
        "tickets {tickets}",
        sent=t.number(s.sent),
        answered=t.number(s.answered),
        rate=share(t, s.response_rate),
        average=average(t, s.average),
        nps=nps(t, s.nps),
        tickets=t.number(tickets),
    )


def advisors_text(t: Translator, first: date, rows: list[AdvisorFigures]) -> str:
    lines = [t.gettext("Per advisor · {month}", month=month_name(t, first)), ""]
    if not rows:
        lines.append(
            t.gettext(
                "No surveys were sent and no tickets opened in {month}.", month=month_name(t, first)
            )
        )
    for row in rows[:SHOWN_ADVISORS]:
        line = _scores_line(t, row.scores, row.tickets)
        lines.append(t.gettext(LINE, what=advisor_name(t, row.advisor), figures=line))
    if len(rows) > SHOWN_ADVISORS:
        lines.append(t.gettext(MORE, n=t.number(len(rows) - SHOWN_ADVISORS)))
    return "\n".join(lines)


def months_text(t: Translator, rows: list[MonthRow]) -> str:
    lines = [t.gettext("The last {n} months", n=t.number(len(rows))), ""]
    for row in reversed(rows):  # latest first, as a phone reads down
        line = _scores_line(t, row.scores, row.tickets)
        lines.append(t.gettext(LINE, what=month_name(t, row.month, short=True), figures=line))
    return "\n".join(lines)
