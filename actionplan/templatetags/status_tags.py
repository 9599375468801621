"""GOV.UK tags for RAG and delivery status, so every page colours them the same way."""

import functools
from html import escape
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from actionplan.status import RAG, RAG_ORDER, RETURN_ORDER, DeliveryStatus, ReturnStatus
from config.presentation import count_cell, muted, tag

register = template.Library()


@register.simple_tag
def rag_tag(rag):
    if not rag:
        return muted("No RAG given")
    return tag(RAG(rag).label, rag)


@register.simple_tag
def rag_bar(summary):
    """A RagSummary as a stacked bar. The numbers are in the table beside it, so the bar is
    hidden from screen readers. An SVG 100 units wide: the segments' widths are attributes, as the
    Content-Security-Policy allows no inline style."""
    segments, x = [], 0.0
    for rag, _count, percent in summary.segments():
        # Four figures are a hundredth of the bar's width: shorter than fixed decimals on a page
        # of dozens of bars.
        segments.append((rag.value, f"{x:.4g}", f"{percent:.4g}"))
        x += percent
    rects = format_html_join("", '<rect class="app-rag-bar__segment--{}" x="{}" width="{}" height="1"/>', segments)
    return format_html(
        '<svg class="app-rag-bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false">{}</svg>',
        rects,
    )


@register.simple_tag
def delivery_status_tag(status):
    return tag(DeliveryStatus(status).label, status)


@register.simple_tag
def action_list_url(as_at=None, key=None, value=None, **filters):
    """The action list filtered as given, as at `as_at` (left out for today, so links stay live).
    `key`/`value` add a filter whose name is itself a variable (e.g. "accountable")."""
    if key:
        filters[key] = value
    return _with_as_at(_action_list_path(), filters, as_at)


@register.simple_tag(takes_context=True)
def as_at_url(context, viewname, *args, **params):
    """The address of `viewname` (with `args`) and query `params`, as at the page's date (the
    context's `as_at`): the date travels with every link, dashboard → action list → action →
    board report and back."""
    return _with_as_at(_path(viewname, args), params, context.get("as_at"))


def _path(viewname, args):
    """reverse(viewname, args=args); for an address with one number in it (an action's), reversed
    once per view and filled in: a paper or list links hundreds of actions, and reversing each
    was a tenth of a big board report's time."""
    if len(args) == 1 and isinstance(args[0], int):
        return _numbered_path(viewname).format(args[0])
    return reverse(viewname, args=args)


@functools.cache
def _numbered_path(viewname):
    marker = 987654321
    return reverse(viewname, args=[marker]).replace("{", "{{").replace("}", "}}").replace(str(marker), "{}")


def _with_as_at(path, params, as_at):
    """`path` with the query `params` that have a value, and ?as_at= unless it is today."""
    params = {name: value for name, value in params.items() if value not in (None, "", False)}
    if as_at and as_at != timezone.localdate():
        params["as_at"] = as_at.isoformat()
    return path + ("?" + urlencode(params) if params else "")


@functools.cache
def _action_list_path():
    return reverse("actionplan:action_list")


@register.simple_tag
def overdue_by(action):
    """How long `action` is overdue in words ("3 years 2 months overdue"), the exact days in its
    title; nothing if it is not overdue. Wherever a page says how overdue an action is."""
    days = action.days_overdue
    if not days:
        return ""
    return format_html(
        '<span class="app-overdue-by" title="{} day{} overdue">{} overdue</span>',
        f"{days:,}",
        "" if days == 1 else "s",
        action.overdue_by,
    )


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def short_date(day):
    """A date as "1 Jan 2019" (Django's date:"j M Y"), "" for none. Written directly: long tables of
    dates (a board report's hundreds) spent a third of their time in the date filter."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""


@register.filter
def owner_codes(owners):
    """Owner codes for a table cell, comma-separated; "None named" when there are none."""
    return ", ".join(owner.code for owner in owners) or "None named"


# How each figure of a RagSummary narrows the action list when its count links there.
FIGURE_FILTERS = {
    **{rag: urlencode({"rag": rag}) for rag in RAG_ORDER},
    "overdue": urlencode({"status": DeliveryStatus.OVERDUE}),
    "slipped": "slipped=on",
    "stale": "stale=on",
    "total": "",
}


@register.simple_tag
def count_cells(summary, list_url, figures):
    """A table cell for each of `figures` of a RagSummary (space-separated; "rag" is the five RAG
    columns), its count linking to the action list at `list_url` narrowed to the actions it
    counts; 0 is not a link. For tables of class app-count-table, which style their cells and
    links: no classes on each of hundreds of cells."""
    names = [name for figure in figures.split() for name in (RAG_ORDER if figure == "rag" else [figure])]
    cells = []
    for name in names:
        count = int(getattr(summary, name) or 0)
        url = escape(f"{list_url}&{FIGURE_FILTERS[name]}" if FIGURE_FILTERS[name] else list_url)
        cells.append(f'<td><a href="{url}">{count}</a></td>' if count else "<td>0</td>")
    return mark_safe("".join(cells))


@register.simple_tag
def return_status_tag(status):
    return tag(ReturnStatus(status).label, status)


@register.simple_tag
def return_rows(rows, update_round, param, figures="all"):
    """The rows of one of a round page's tables, written in one go (a round can have hundreds of
    owners): for each (plan, owner or organisation, ReturnSummary) of `rows`, its name, then a
    count for each return status (`figures` "all": every status, the total and the percentage
    complete; "outstanding": awaiting update and returned), each linking to the action list
    narrowed to the round's actions it counts (`param`: "plan", "responsible", "accountable" or
    "organisation"); 0 is not a link."""
    statuses = RETURN_ORDER if figures == "all" else ReturnStatus.outstanding()
    base = f"{_action_list_path()}?{urlencode({'round': update_round.pk})}"
    html = []
    for thing, summary in rows:
        if param == "plan":
            key, name = thing.slug, thing.title
        else:
            key, name = thing.code, thing.name if thing.name == thing.code else f"{thing.name} ({thing.code})"
        url = f"{base}&{urlencode({param: key})}"
        cells = [count_cell(getattr(summary, status), f"{url}&return_status={status.value}") for status in statuses]
        if figures == "all":
            cells.append(count_cell(summary.total, url))
            cells.append(f'<td class="govuk-table__cell govuk-table__cell--numeric">{summary.percent_complete}%</td>')
        html.append(
            f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{escape(name)}</th>'
            f"{''.join(cells)}</tr>"
        )
    return mark_safe("".join(html))
